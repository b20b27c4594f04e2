// Heals parked records: moves those whose missing parents all exist now into their entity.
//
// A write of parents pokes the healer with the documents it stored; the healer then reads only
// the records waiting on their ids, or on their key values for references through a parent key
// (`x-parent-key`), through the index of the records' `waitsOn_<property>` properties (see
// parked.ts), so a poke costs the records it may heal, not the whole parked collection. A sweep
// (at start-up, then every HEAL_INTERVAL_MS) reads each parked collection once in batches, for
// what no poke found (records parked while their parent was being written, or before the index
// existed). Either way, one lookup per missing relationship (missing-parents.ts) finds which
// records are complete, and one compare-and-move (Store.moveMany) stores them and removes them
// from the parked collection, all or nothing. Healed records are writes too: the records waiting
// on them are healed next, the same way (healed orders heal their waiting items). A record that
// would break a unique key where it moves is reported as a conflict and stays parked; the rest of
// its batch moves.
//
// Several processes may share a store: a record is moved only while it is still the version its
// healer read (its `rev`), in one atomic store operation, so two healers racing on one batch move
// each record once and lose none; the loser's batch just moves nothing.
import { KeyConflictError } from '../errors.js'
import type { RelationshipMetadata } from '../metadata/relationship-metadata.js'
import type { EntityMetadata } from '../metadata/types.js'
import { assignedId } from '../sources/source-ids.js'
import type { Doc, LinkKey, Move, Store } from '../store/store.js'
import { heldValues } from './missing-parents.js'
import {
  awaitedValue, parkedEntity, parkingEntities, parkRelationships, waitingProperty, type ParkedRecord
} from './parked.js'

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
  /** The parked record `id` of `entity` would break a unique key there: it stays parked, the others move. */
  conflict?: (entity: string, id: string, error: KeyConflictError) => void
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

/** A parked entity's reference that waits on some target entity's id or key. */
interface Waiter {
  meta: EntityMetadata
  property: string
}

/** What references wait on: an entity's ids (`Order.id`) or the values of one of its keys (`Product.sku`). */
function awaited (entity: string, key: string): string {
  return `${entity}.${key}`
}

export class Healer {
  readonly #parking: readonly EntityMetadata[]
  /** Per awaited `Entity.key`, the references of parked records that can wait on it. */
  readonly #waiters = new Map<string, Waiter[]>()
  /** Per target entity, the keys references wait on (`id`, `sku`). */
  readonly #keys = new Map<string, Set<string>>()
  /** Parked records last known per entity; unknown counts as some, so a poke always looks. */
  readonly #waiting = new Map<string, number>()
  /** Records parked so far, per entity: a sweep's count leaves out those parked while it read. */
  readonly #parks = new Map<string, number>()
  /** Values stored since the last look, per awaited `Entity.key`: where waiting records are looked up next. */
  #written = new Map<string, Set<string>>()
  /** Ids stored that only their id is known of (a poke), per entity whose key values are waited on: read next. */
  #unread = new Map<string, Set<string>>()
  #sweep = false
  #running: Promise<number> | undefined
  #stopped = false

  constructor (metadata: RelationshipMetadata, private readonly store: Store,
    private readonly options: HealerOptions) {
    this.#parking = parkingEntities(metadata)
    for (const meta of this.#parking) {
      for (const rel of parkRelationships(meta)) {
        let waiters = this.#waiters.get(awaited(rel.target, rel.parentKey))
        if (waiters === undefined) this.#waiters.set(awaited(rel.target, rel.parentKey), waiters = [])
        waiters.push({ meta, property: rel.property })
        let keys = this.#keys.get(rel.target)
        if (keys === undefined) this.#keys.set(rel.target, keys = new Set())
        keys.add(rel.parentKey)
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

  /**
   * `entity` documents with these ids were stored (by another instance) or linked: heal the
   * records waiting on them now; those waiting on their key values need them read first.
   */
  poke (entity: string, ids: readonly string[]): Promise<number> | undefined {
    if (!this.#awaited(entity) || ids.length === 0) return undefined
    this.#remember(entity, 'id', ids)
    if ([...this.#keys.get(entity)!].some(key => key !== 'id')) {
      let unread = this.#unread.get(entity)
      if (unread === undefined) this.#unread.set(entity, unread = new Set())
      for (const id of ids) unread.add(id)
    }
    return this.#start()
  }

  /** A write stored these `entity` documents: heal the records waiting on their ids or key values now. */
  stored (entity: string, docs: readonly Doc[]): Promise<number> | undefined {
    if (!this.#awaited(entity) || docs.length === 0) return undefined
    this.#rememberDocs(entity, docs)
    return this.#start()
  }

  /** Whether parked records may be waiting on `entity` documents. */
  #awaited (entity: string): boolean {
    const keys = this.#keys.get(entity)
    if (keys === undefined) return false
    return [...keys].some(key =>
      this.#waiters.get(awaited(entity, key))!.some(w => (this.#waiting.get(w.meta.name) ?? 1) > 0))
  }

  /** A write parked `count` records of `entity`. */
  parked (entity: string, count: number): void {
    this.#waiting.set(entity, (this.#waiting.get(entity) ?? 0) + count)
    this.#parks.set(entity, (this.#parks.get(entity) ?? 0) + count)
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

  #remember (entity: string, key: string, values: Iterable<string>): void {
    let written = this.#written.get(awaited(entity, key))
    if (written === undefined) this.#written.set(awaited(entity, key), written = new Set())
    for (const value of values) written.add(value)
  }

  /** Remembers the ids and key values of stored documents that references wait on. */
  #rememberDocs (entity: string, docs: readonly Doc[]): void {
    for (const key of this.#keys.get(entity) ?? []) {
      const values: string[] = []
      for (const doc of docs) if (typeof doc[key] === 'string') values.push(doc[key])
      if (values.length > 0) this.#remember(entity, key, values)
    }
  }

  async #loop (): Promise<number> {
    let healed = 0
    try {
      while (!this.#stopped) {
        if (this.#unread.size > 0) {
          await this.#readUnread()
        } else if (this.#written.size > 0) {
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

  /** Reads the documents only poked by id: one getMany per entity, for the key values waited on. */
  async #readUnread (): Promise<void> {
    const unread = this.#unread
    this.#unread = new Map()
    for (const [entity, ids] of unread) {
      const all = [...ids]
      for (let start = 0; start < all.length && !this.#stopped; start += IDS_PER_LOOKUP) {
        const docs = await this.store.getMany(entity, all.slice(start, start + IDS_PER_LOOKUP))
        // the ids were remembered when poked
        this.#rememberDocs(entity, docs)
      }
    }
  }

  /** Heals the records waiting on the values stored since the last look, and those waiting on them. */
  async #healWritten (): Promise<number> {
    const written = this.#written
    this.#written = new Map()
    let healed = 0
    for (const [target, values] of written) {
      const all = [...values]
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
    const parksBefore = new Map(this.#parks)
    for (const meta of this.#parking) {
      if (this.#stopped) break
      report.healed += await this.#sweepEntity(meta, report)
    }
    for (const meta of this.#parking) {
      // a record parked after the sweep read past it is not in its count, and still waits
      const since = (this.#parks.get(meta.name) ?? 0) - (parksBefore.get(meta.name) ?? 0)
      this.#waiting.set(meta.name, (report.waiting.get(meta.name) ?? 0) + since)
    }
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
    const moved = await this.#move(meta, moves)
    this.options.observer?.batch?.(meta.name, records.length, moved.size)
    if (moved.size > 0) this.#rememberDocs(meta.name, complete.filter(r => moved.has(r.id)).map(r => r.doc))
    return moved
  }

  /**
   * One compare-and-move of the batch; a record that would break a unique key of the entity is
   * reported and left parked (a value held by a document written since it parked), and the rest
   * is moved again without it: one more moveMany per conflicting record, never a loop.
   */
  async #move (meta: EntityMetadata, moves: readonly Move[]): Promise<Set<string>> {
    let left = moves
    while (left.length > 0) {
      try {
        return new Set(await this.store.moveMany(parkedEntity(meta.name), meta.name, left))
      } catch (error) {
        if (!(error instanceof KeyConflictError)) throw error
        this.options.observer?.conflict?.(meta.name, left[error.index]!.id, error)
        left = left.filter((_, i) => i !== error.index)
      }
    }
    return new Set()
  }

  /**
   * The records whose missing parents all exist now: one lookup per relationship in the batch, a
   * getMany for ids, a getManyByKey for key values, a resolveLinks for source ids no link named
   * when they were parked (those references are rewritten to the ids they name now, in the
   * documents about to move).
   */
  async #complete (records: readonly ParkedRecord[]): Promise<ParkedRecord[]> {
    interface Wanted { target: string, key: string, values: Set<string>, links: Map<string, LinkKey> }
    const wanted = new Map<string, Wanted>()
    for (const record of records) {
      for (const ref of record.missing) {
        let entry = wanted.get(ref.property)
        if (entry === undefined) {
          const key = ref.key ?? 'id'
          wanted.set(ref.property, entry = { target: ref.target, key, values: new Set(), links: new Map() })
        }
        if (ref.source === undefined) entry.values.add(awaitedValue(ref))
        else entry.links.set(ref.id!, { source: ref.source, sourceId: ref.sourceId! })
      }
    }
    /** Per property, what each awaited value is now: itself when held, the linked id for a source id. */
    const found = new Map<string, Map<string, string>>()
    for (const [property, { target, key, values, links }] of wanted) {
      const now = new Map<string, string>()
      for (const value of await heldValues(this.store, target, key, [...values])) now.set(value, value)
      if (links.size > 0) {
        for (const link of await this.store.resolveLinks(target, [...links.values()])) {
          if (link.exists) now.set(assignedId(link), link.id)
        }
      }
      found.set(property, now)
    }
    const complete = records.filter(record =>
      record.missing.every(ref => found.get(ref.property)!.has(awaitedValue(ref))))
    for (const record of complete) {
      for (const ref of record.missing) record.doc[ref.property] = found.get(ref.property)!.get(awaitedValue(ref))!
    }
    return complete
  }
}
