// What every conformance suite does with the store under test: open it on the suite's entities
// (and data) with each round trip recorded as `entity.op`, close it when the test ends, and read
// back the ids a filter finds; and how the suites' reference evaluations read a property path.
import type { Condition } from '../../src/store/filter.js'
import type { Doc, SortKey, Store, StoreOptions } from '../../src/store/store.js'

/** Opens a fresh, empty store: what an adapter hands the suites. */
export type OpenStore = (options: StoreOptions) => Promise<Store>

/** The part of a tap test the suites need. */
export interface Teardown { teardown: (fn: () => unknown) => void }

export interface Recorded {
  store: Store
  /** The round trips since the data was written, `entity.op` each. */
  calls: string[]
}

/** A store on `entities` holding `data`, closed when `t` ends. */
export async function openRecorded (t: Teardown, open: OpenStore, entities: StoreOptions['entities'],
  data: Record<string, Doc[]> = {}): Promise<Recorded> {
  const calls: string[] = []
  const store = await open({ entities, onQuery: (entity, op) => calls.push(`${entity}.${op}`) })
  t.teardown(() => store.close())
  for (const [entity, docs] of Object.entries(data)) await store.upsertMany(entity, docs)
  calls.length = 0
  return { store, calls }
}

/** The ids find answers, in its order, all on one page whose total must count them. */
export async function findIds (store: Store, entity: string, filter?: Condition, sort?: SortKey[]): Promise<string[]> {
  const { items, total } = await store.find(entity, { filter, sort, page: 1, size: 10_000 })
  if (total !== items.length) throw new Error(`total ${total} but ${items.length} items`)
  return items.map(doc => doc.id)
}

/** The ids `filter` finds, as a sorted set: for the suites that check membership, not order. */
export async function matchingIds (store: Store, entity: string, filter: Condition): Promise<string[]> {
  return (await findIds(store, entity, filter)).sort()
}

export const MISSING = Symbol('missing')

/** A dotted path through plain objects only: an array or a scalar on the way makes it MISSING. */
export function readPath (doc: Doc, field: string): unknown {
  let value: unknown = doc
  for (const segment of field.split('.')) {
    const object =
      typeof value === 'object' && value !== null && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : undefined
    if (object === undefined || !Object.hasOwn(object, segment)) return MISSING
    value = object[segment]
  }
  return value
}
