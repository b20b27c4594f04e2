// A store wrapper that counts the documents its reads hand out, per entity: what "rows read"
// means for the healer's lookups, the same on every adapter whatever its round trips.
import type { Doc, FindQuery, ReadForm, RefQuery, Store, StreamQuery } from '../../src/store/store.js'

export interface RowCounter {
  wrap: (store: Store) => Store
  /** Documents read per entity since the last reset. */
  rows: () => Record<string, number>
  reset: () => void
}

export function rowCounter (): RowCounter {
  const read = new Map<string, number>()
  const add = (entity: string, docs: readonly Doc[]) => read.set(entity, (read.get(entity) ?? 0) + docs.length)
  const reads: Partial<Record<keyof Store, (target: Store) => unknown>> = {
    get: target => async (entity: string, id: string, form?: ReadForm) => {
      const doc = await target.get(entity, id, form)
      add(entity, doc === undefined ? [] : [doc])
      return doc
    },
    getMany: target => async (entity: string, ids: readonly string[], form?: ReadForm) => {
      const docs = await target.getMany(entity, ids, form)
      add(entity, docs)
      return docs
    },
    find: target => async (entity: string, query: FindQuery) => {
      const result = await target.find(entity, query)
      add(entity, result.items)
      return result
    },
    findByRefs: target => async (entity: string, ref: string, ids: readonly string[], query: RefQuery) => {
      const result = await target.findByRefs(entity, ref, ids, query)
      add(entity, result.items)
      return result
    },
    stream: target => async function * countedStream (entity: string, query: StreamQuery) {
      for await (const batch of target.stream(entity, query)) {
        add(entity, batch)
        yield batch
      }
    }
  }
  return {
    wrap: store => new Proxy(store, {
      get (target, property) {
        const counted = reads[property as keyof Store]
        if (counted !== undefined) return counted(target)
        const value = Reflect.get(target, property, target)
        return typeof value === 'function' ? value.bind(target) : value
      }
    }),
    rows: () => Object.fromEntries(read),
    reset: () => read.clear()
  }
}
