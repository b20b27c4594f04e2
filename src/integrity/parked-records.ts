// The parked versions of one entity's documents, as the API shows and changes them: a page of
// them, one by id (a write of that id is pending until its parents exist), and dropping one (the
// pending write is cancelled). Documents leave here without their hidden properties.
import { NotFoundError } from '../errors.js'
import type { HiddenFields } from '../model/hidden-fields.js'
import type { Doc, Store } from '../store/store.js'
import { describeAwaited, parkedEntity, type MissingRef, type ParkedRecord } from './parked.js'

/** A parked record as reads show it: its document without hidden properties, no revision. */
export type ParkedView = Pick<ParkedRecord, 'id' | 'doc' | 'missing' | 'parkedAt'>

export class ParkedRecords {
  readonly #from: string

  constructor (private readonly entity: string, private readonly store: Store, private readonly hidden: HiddenFields) {
    this.#from = parkedEntity(entity)
  }

  /** Oldest first, with the number parked. */
  async page (page: number, size: number): Promise<{ items: ParkedView[], total: number }> {
    const oldestFirst = [{ field: 'parkedAt', desc: false }]
    const { items, total } = await this.store.find(this.#from, { page, size, sort: oldestFirst })
    return { items: (items as ParkedRecord[]).map(record => this.#view(record)), total }
  }

  async get (id: string): Promise<ParkedView | undefined> {
    const record = await this.store.get(this.#from, id) as ParkedRecord | undefined
    return record === undefined ? undefined : this.#view(record)
  }

  /** The parked document whole (hidden properties too): what a later patch applies to. */
  async doc (id: string): Promise<Doc | undefined> {
    return (await this.store.get(this.#from, id) as ParkedRecord | undefined)?.doc
  }

  /** Cancels the pending write of `id`; false when none was parked. */
  async drop (id: string): Promise<boolean> {
    return await this.store.delete(this.#from, id)
  }

  #view (record: ParkedRecord): ParkedView {
    const { id, missing, parkedAt } = record
    return { id, doc: this.hidden.one(this.entity, record.doc), missing, parkedAt }
  }
}

/** A read of an id that is not stored, while a write of it waits parked for its parents. */
export class PendingWriteError extends NotFoundError {
  constructor (entity: string, id: string, readonly missing: readonly MissingRef[]) {
    super(entity, id)
    const waits = missing.map(ref => `${describeAwaited(ref)} (${ref.property})`).join(', ')
    const verb = missing.length === 1 ? 'exists' : 'exist'
    this.message = `${entity} '${id}' is not stored yet: a write of it is parked until ${waits} ${verb}`
  }
}
