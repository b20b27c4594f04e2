// Heals parked records in batches: for each batch of a Parked_<Entity> collection, one getMany
// per missing parent relationship finds which records are now complete, and one compare-and-move
// (Store.moveMany) stores them in the entity and removes them from the parked collection, all or
// nothing. Passes repeat (healed orders can heal their waiting items) until nothing more heals.
//
// Several processes may share a store: a record is moved only while it is still the version its
// healer read (its `rev`), in one atomic store operation, so two healers racing on one batch move
// each record once and lose none; the loser's batch just moves nothing.
import type { RelationshipMetadata } from '../metadata/relationship-metadata.js'
import type { EntityMetadata } from '../metadata/types.js'
import type { Store } from '../store/store.js'
import { parkedEntity, parkingEntities, type ParkedRecord } from './parked.js'

export interface PassReport {
  healed: number
  /** Rounds over every parked collection; the last healed nothing. */
  rounds: number
  durationMs: number
  /** Records still parked, per entity. */
  waiting: Map<string, number>
  /** Of those, the ones parked longer than `maxAgeMs`. */
  overdue: Map<string, number>
}

export interface HealerObserver {
  batch?: (entity: string, size: number, healed: number) => void
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

export class Healer {
  readonly #parking: readonly EntityMetadata[]
  /** Parked records last known per entity; unknown counts as some, so a poke always looks. */
  readonly #waiting = new Map<string, number>()
  #running: Promise<number> | undefined
  #again = false
  #stopped = false

  constructor (metadata: RelationshipMetadata, private readonly store: Store, private readonly options: HealerOptions) {
    this.#parking = parkingEntities(metadata)
  }

  /**
   * Runs passes until nothing more heals; resolves with how many records they healed. Calls
   * made while a pass runs are coalesced into one more pass after it.
   */
  run (): Promise<number> {
    if (this.#running !== undefined) {
      this.#again = true
      return this.#running
    }
    this.#running = this.#loop()
    return this.#running
  }

  /** A write stored `entity` documents: heal now if records may be waiting for them. */
  poke (entity: string): Promise<number> | undefined {
    const waits = this.#parking.some(meta => (this.#waiting.get(meta.name) ?? 1) > 0 &&
      meta.parents.some(p => p.onMissingParent === 'park' && p.target === entity))
    return waits ? this.run() : undefined
  }

  /** A write parked `count` records of `entity`. */
  parked (entity: string, count: number): void {
    this.#waiting.set(entity, (this.#waiting.get(entity) ?? 0) + count)
  }

  /** No pass starts after this; resolves when the running one ends (its failure ignored). */
  async stop (): Promise<void> {
    this.#stopped = true
    await this.#running?.catch(() => undefined)
  }

  async #loop (): Promise<number> {
    let healed = 0
    try {
      do {
        this.#again = false
        healed += await this.#pass()
      } while (this.#again && !this.#stopped)
    } finally {
      // synchronously after the last check of #again: a later run() starts a new loop
      this.#running = undefined
    }
    return healed
  }

  async #pass (): Promise<number> {
    const started = performance.now()
    const report: PassReport = { healed: 0, rounds: 0, durationMs: 0, waiting: new Map(), overdue: new Map() }
    let healedInRound: number
    do {
      report.rounds++
      healedInRound = 0
      for (const meta of this.#parking) {
        if (this.#stopped) break
        healedInRound += await this.#healEntity(meta, report)
      }
      report.healed += healedInRound
    } while (healedInRound > 0 && !this.#stopped)
    for (const meta of this.#parking) this.#waiting.set(meta.name, report.waiting.get(meta.name) ?? 0)
    report.durationMs = performance.now() - started
    this.options.observer?.pass?.(report)
    return report.healed
  }

  /** One round over an entity's parked records; counts what stays into `report`. */
  async #healEntity (meta: EntityMetadata, report: PassReport): Promise<number> {
    const from = parkedEntity(meta.name)
    const cutoff = (this.options.now ?? Date.now)() - this.options.maxAgeMs
    let healed = 0
    let waiting = 0
    let overdue = 0
    for await (const batch of this.store.stream(from, { batchSize: this.options.batchSize })) {
      const records = batch as ParkedRecord[]
      const complete = await this.#complete(records)
      const moved = new Set(complete.length === 0
        ? []
        : await this.store.moveMany(from, meta.name, complete.map(r => ({ id: r.id, rev: r.rev, doc: r.doc }))))
      this.options.observer?.batch?.(meta.name, records.length, moved.size)
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

  /** The records whose missing parents all exist now: one getMany per relationship in the batch. */
  async #complete (records: readonly ParkedRecord[]): Promise<ParkedRecord[]> {
    const wanted = new Map<string, { target: string, ids: Set<string> }>()
    for (const record of records) {
      for (const ref of record.missing) {
        let entry = wanted.get(ref.property)
        if (entry === undefined) wanted.set(ref.property, entry = { target: ref.target, ids: new Set() })
        entry.ids.add(ref.id)
      }
    }
    const found = new Map<string, Set<string>>()
    for (const [property, { target, ids }] of wanted) {
      found.set(property, new Set((await this.store.getMany(target, [...ids])).map(doc => doc.id)))
    }
    return records.filter(record => record.missing.every(ref => found.get(ref.property)!.has(ref.id)))
  }
}
