// Unique keys as every store enforces them (see StoreEntity.uniqueKeys): which documents take
// part in a key, and the claims of key values checked document after document. The memory store
// keeps its index with it; the database stores enforce keys with unique indexes and use it only
// after the database refused a write, to name the key and the document holding the value.
import { KeyConflictError, StoreUnavailableError } from '../errors.js'
import type { Condition } from './filter.js'
import type { Doc, Store } from './store.js'

export type UniqueKey = readonly string[]

/** The key's values of `doc`, or undefined when the document takes no part (a part is no string or number). */
export function keyValues (doc: Doc, key: UniqueKey): Array<string | number> | undefined {
  const values: Array<string | number> = []
  for (const field of key) {
    const value = doc[field]
    if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) values.push(value)
    else return undefined
  }
  return values
}

/** The values of every key held, and by whom, kept in step with the documents added and removed. */
export class UniqueIndex {
  readonly #holders: Array<Map<string, string>>

  constructor (readonly entity: string, readonly keys: readonly UniqueKey[]) {
    this.#holders = keys.map(() => new Map())
  }

  get empty (): boolean {
    return this.keys.length === 0
  }

  /** Throws KeyConflictError when `doc`, at `index` of its batch, would take a value another id holds. */
  check (doc: Doc, index: number): void {
    this.keys.forEach((key, k) => {
      const values = keyValues(doc, key)
      if (values === undefined) return
      const holder = this.#holders[k]!.get(JSON.stringify(values))
      if (holder !== undefined && holder !== doc.id) {
        throw new KeyConflictError(this.entity, key, values, holder, index, doc.id)
      }
    })
  }

  /** Who holds `values` of the key at position `k` of `keys`, if anybody. */
  holder (k: number, values: ReadonlyArray<string | number>): string | undefined {
    return this.#holders[k]!.get(JSON.stringify(values))
  }

  add (doc: Doc): void {
    this.keys.forEach((key, k) => {
      const values = keyValues(doc, key)
      if (values !== undefined) this.#holders[k]!.set(JSON.stringify(values), doc.id)
    })
  }

  remove (doc: Doc): void {
    this.keys.forEach((key, k) => {
      const values = keyValues(doc, key)
      if (values === undefined) return
      const text = JSON.stringify(values)
      if (this.#holders[k]!.get(text) === doc.id) this.#holders[k]!.delete(text)
    })
  }
}

/**
 * The stored documents that can conflict with `docs`: those holding a first-key value some
 * document of the batch has (compound keys are narrowed in memory, see findConflict).
 */
export function conflictCandidates (keys: readonly UniqueKey[], docs: readonly Doc[]): Condition | undefined {
  const conditions: Condition[] = []
  for (const key of keys) {
    const values = new Set<string | number>()
    for (const doc of docs) {
      const held = keyValues(doc, key)
      if (held !== undefined) values.add(held[0]!)
    }
    if (values.size > 0) conditions.push({ op: 'in', field: key[0]!, values: [...values] })
  }
  if (conditions.length === 0) return undefined
  return conditions.length === 1 ? conditions[0]! : { op: 'or', conditions }
}

/**
 * The first conflict of a batch the store refused, replayed in memory over the stored documents
 * that could conflict (`stored`, read after the refusal); undefined when none shows any longer.
 */
export function findConflict (
  entity: string,
  keys: readonly UniqueKey[],
  docs: readonly Doc[],
  stored: readonly Doc[]
): KeyConflictError | undefined {
  const index = new UniqueIndex(entity, keys)
  const current = new Map<string, Doc>()
  for (const doc of stored) {
    index.add(doc)
    current.set(doc.id, doc)
  }
  try {
    docs.forEach((doc, i) => {
      const previous = current.get(doc.id)
      if (previous !== undefined) index.remove(previous)
      index.check(doc, i)
      index.add(doc)
      current.set(doc.id, doc)
    })
  } catch (error) {
    if (error instanceof KeyConflictError) return error
    throw error
  }
  return undefined
}

/**
 * What to throw after the store refused `docs` for a unique key: the conflict, read back in one
 * more round trip; a value taken by a concurrent write and let go again since is a 503 to retry.
 */
export async function explainRefusal (
  store: Pick<Store, 'stream' | 'kind'>,
  entity: string,
  keys: readonly UniqueKey[],
  docs: readonly Doc[]
): Promise<Error> {
  const filter = conflictCandidates(keys, docs)
  const stored: Doc[] = []
  if (filter !== undefined) {
    for await (const batch of store.stream(entity, { filter, batchSize: 1000 })) stored.push(...batch)
  }
  return findConflict(entity, keys, docs, stored) ??
    new StoreUnavailableError(`${store.kind} store: a write of '${entity}' met a unique key value that a ` +
      'concurrent write held; retry')
}
