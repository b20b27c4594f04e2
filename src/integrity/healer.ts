// Heals parked records: moves those whose missing parents all exist now into their entity.
//
// A write of parents pokes the healer with the ids it stored; the healer then reads only the
// records waiting on those ids, through the index of their `waitsOn_<property>` properties (see
// parked.ts), so a poke costs the records it may heal, not the whole parked collection. A sweep
// (at start-up, then every HEAL_INTERVAL_MS) reads each parked collection once in batches, for
// what no poke found (records parked while their parent was being written, or before the index
// existed). Either way, one getMany per missing relationship finds which records are complete,
// and one compare-and-move (Store.moveMany) stores them and removes them from the parked
// collection, all or nothing. Healed records are writes too: the records waiting on them are
// healed next, the same way (healed orders heal their waiting items).
//
// Several processes may share a store: a record is moved only while it is still the version its
// healer read (its `rev`), in one atomic store operation, so two healers racing on one batch move
// each record once and lose none; the loser's batch just moves nothing.
import type { RelationshipMetadata } from '../metadata/relationship-metadata.js'
import type { EntityMetadata } from '../metadata/types.js'
import { assignedId } from '../sources/source-ids.js'
import type { LinkKey, Store } from '../store/store.js'
import { parkedEntity, parkingEntities, parkRelationships, waitingProperty, type ParkedRecord } from './parked.js'

/** Written ids per lookup of waiting records: one bounded `in` condition each. */
const IDS_PER_LOOKUP = 500

export interface PassReport {
  healed: number
  durationMs: number
  /** Records still parked, per entity, as the sweep read them. */
  waiting: Map<string, number>
  /** Of those, the ones parked longer than `maxAgeMs`. */
  overdue: Map<string, number>
}

export interface HealerObserver {
  /** A batch of `size` parked records of `entity` was read (by a sweep or a poke); `healed` moved. */
  batch?: (entity: string, size: number, healed: number) => void
  /** A sweep ended. */
  pass?: (report: PassReport) => void
}

export interface HealerOptions {
  /** Parked records read (and moved) per batch. */
  batchSize: number
  /** Records parked longer than this are reported as overdue (never dropped). */
  maxAgeMs: number
  observer?: HealerObserver
  now?: () => number
}

/** A parked entity's reference that waits on some target entity. */
interface Waiter {
  meta: EntityMetadata
  property: string
}

export class Healer {
  readonly #parking: readonly EntityMetadata[]
  /** Per target entity, the references of parked records that can wait on it. */
  readonly #waiters = new Map<string, Waiter[]>()
  /** Parked records last known per entity; unknown counts as some, so a poke always looks. */
  readonly #waiting = new Map<string, number>()
  /** Ids stored since the last look, per entity: where waiting records are looked up next. */
  #written = new Map<string, Set<string>>()
  #sweep = false
  #running: Promise<number> | undefined
  #stopped = false

  constructor (metadata: RelationshipMetadata, private readonly store: Store,
    private readonly options: HealerOptions) {
    this.#parking = parkingEntities(metadata)
    for (const meta of this.#parking) {
      for (const rel of parkRelationships(meta)) {
        let waiters = this.#waiters.get(rel.target)
        if (waiters === undefined) this.#waiters.set(rel.target, waiters = [])
        waiters.push({ meta, property: rel.property })
      }
    }
  }

  /**
   * Sweeps every parked collection, then heals what waited on the records it healed; resolves
   * with how many records this run healed. Calls made while a run is under way are folded into
   * it: one more sweep after the current one.
   */
  run (): Promise<number> {
    this.#sweep = true
    return this.#start()
  }

  /** A write stored `entity` documents with these ids: heal the records waiting on them now. */
  poke (entity: string, ids: readonly string[]): Promise<number> | undefined {
    const waits = this.#waiters.get(entity)?.some(w => (this.#waiting.get(w.meta.name) ?? 1) > 0) ?? false
    if (!waits || ids.length === 0) return undefined
    this.#remember(entity, ids)
    return this.#start()
  }

  /** A write parked `count` records of `entity`. */
  parked (entity: string, count: number): void {
    this.#waiting.set(entity, (this.#waiting.get(entity) ?? 0) + count)
  }

  /** Resolves when no run is under way (its failure ignored): pokes and sweeps are all done. */
  async settled (): Promise<void> {
    while (this.#running !== undefined) await this.#running.catch(() => undefined)
  }

  /** No pass starts after this; resolves when the running one ends (its failure ignored). */
  async stop (): Promise<void> {
    this.#stopped = true
    await this.#running?.catch(() => undefined)
  }

  #start (): Promise<number> {
    this.#running ??= this.#loop()
    return this.#running
  }

  #remember (entity: string, ids: Iterable<string>): void {
    let written = this.#written.get(entity)
    if (written === undefined) this.#written.set(entity, written = new Set())
    for (const id of ids) written.add(id)
  }

  async #loop (): Promise<number> {
    let healed = 0
    try {
      while (!this.#stopped) {
        if (this.#written.size > 0) {
          healed += await this.#healWritten()
        } else if (this.#sweep) {
          this.#sweep = false
          healed += await this.#pass()
        } else {
          break
        }
      }
    } finally {
      // synchronously after the last check for work: a later call starts a new loop
      this.#running = undefined
    }
    return healed
  }

  /** Heals the records waiting on the ids stored since the last look, and those waiting on them. */
  async #healWritten (): Promise<number> {
    const written = this.#written
    this.#written = new Map()
    let healed = 0
    for (const [target, ids] of written) {
      const all = [...ids]
      for (const { meta, property } of this.#waiters.get(target) ?? []) {
        for (let start = 0; start < all.length && !this.#stopped; start += IDS_PER_LOOKUP) {
          const values = all.slice(start, start + IDS_PER_LOOKUP)
          const filter = { op: 'in' as const, field: waitingProperty(property), values }
          const query = { filter, batchSize: this.options.batchSize }
          for await (const batch of this.store.stream(parkedEntity(meta.name), query)) {
            const moved = await this.#healBatch(meta, batch as ParkedRecord[])
            this.#waiting.set(meta.name, Math.max(0, (this.#waiting.get(meta.name) ?? 0) - moved.size))
            healed += moved.size
            if (this.#stopped) break
          }
        }
      }
    }
    return healed
  }

  /** One sweep: every parked collection read once, in batches. */
  async #pass (): Promise<number> {
    const started = performance.now()
    const report: PassReport = { healed: 0, durationMs: 0, waiting: new Map(), overdue: new Map() }
    for (const meta of this.#parking) {
      if (this.#stopped) break
      report.healed += await this.#sweepEntity(meta, report)
    }
    for (const meta of this.#parking) this.#waiting.set(meta.name, report.waiting.get(meta.name) ?? 0)
    report.durationMs = performance.now() - started
    this.options.observer?.pass?.(report)
    return report.healed
  }

  /** One read of an entity's parked records; counts what stays into `report`. */
  async #sweepEntity (meta: EntityMetadata, report: PassReport): Promise<number> {
    const from = parkedEntity(meta.name)
    const cutoff = (this.options.now ?? Date.now)() - this.options.maxAgeMs
    let healed = 0
    let waiting = 0
    let overdue = 0
    for await (const batch of this.store.stream(from, { batchSize: this.options.batchSize })) {
      const records = batch as ParkedRecord[]
      const moved = await this.#healBatch(meta, records)
      healed += moved.size
      for (const record of records) {
        if (moved.has(record.id)) continue
        waiting++
        if (Date.parse(record.parkedAt) < cutoff) overdue++
      }
      if (this.#stopped) break
    }
    report.waiting.set(meta.name, waiting)
    report.overdue.set(meta.name, overdue)
    return healed
  }

  /** Moves the complete records of a batch; what waits on them is looked at next. */
  async #healBatch (meta: EntityMetadata, records: readonly ParkedRecord[]): Promise<Set<string>> {
    const complete = await this.#complete(records)
    const moves = complete.map(r => ({ id: r.id, rev: r.rev, doc: r.doc }))
    const from = parkedEntity(meta.name)
    const moved = new Set(moves.length === 0 ? [] : await this.store.moveMany(from, meta.name, moves))
    this.options.observer?.batch?.(meta.name, records.length, moved.size)
    if (moved.size > 0 && this.#waiters.has(meta.name)) this.#remember(meta.name, moved)
    return moved
  }

  /**
   * The records whose missing parents all exist now: one lookup per relationship in the batch, a
   * getMany for ids, a resolveLinks for source ids no link named when they were parked (those
   * references are rewritten to the ids they name now, in the documents about to move).
   */
  async #complete (records: readonly ParkedRecord[]): Promise<ParkedRecord[]> {
    const wanted = new Map<string, { target: string, ids: Set<string>, keys: Map<string, LinkKey> }>()
    for (const record of records) {
      for (const ref of record.missing) {
        let entry = wanted.get(ref.property)
        if (entry === undefined) {
          wanted.set(ref.property, entry = { target: ref.target, ids: new Set(), keys: new Map() })
        }
        if (ref.source === undefined) entry.ids.add(ref.id)
        else entry.keys.set(ref.id, { source: ref.source, sourceId: ref.sourceId! })
      }
    }
    /** Per property, what each awaited id (or assigned id of a source id) is now: the stored parent's id. */
    const found = new Map<string, Map<string, string>>()
    for (const [property, { target, ids, keys }] of wanted) {
      const now = new Map<string, string>()
      if (ids.size > 0) for (const parent of await this.store.getMany(target, [...ids])) now.set(parent.id, parent.id)
      if (keys.size > 0) {
        for (const link of await this.store.resolveLinks(target, [...keys.values()])) {
          if (link.exists) now.set(assignedId(link), link.id)
        }
      }
      found.set(property, now)
    }
    const complete = records.filter(record => record.missing.every(ref => found.get(ref.property)!.has(ref.id)))
    for (const record of complete) {
      for (const ref of record.missing) record.doc[ref.property] = found.get(ref.property)!.get(ref.id)!
    }
    return complete
  }
}
