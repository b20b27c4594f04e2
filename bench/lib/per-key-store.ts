// Makes a store look records up the way a system without batched resolution does: every
// lookup by ids, by key or by source id is split into one round trip per value, made one
// after the other, everything else untouched. key-import.ts runs an import server on it to
// show what the batched lookups alone save, with the writes still batched.
import { openStore } from '../../src/store/open-store.js'
import type { Store, StoreOptions } from '../../src/store/store.js'

export function perKeyStoreOpener (): (url: string, options: StoreOptions) => Promise<Store> {
  return async function openPerKeyStore (url, options) {
    return perKeyLookups(await openStore(url, options))
  }
}

export function perKeyLookups (store: Store): Store {
  const split: Partial<Store> = {
    getMany: async (entity, ids, options) => await oneByOne(ids, id => store.getMany(entity, [id], options)),
    getManyByKey: async (entity, property, values) =>
      await oneByOne(values, value => store.getManyByKey(entity, property, [value])),
    resolveLinks: async (entity, keys) => await oneByOne(keys, key => store.resolveLinks(entity, [key]))
  }
  return new Proxy(store, {
    get (target, property, receiver) {
      const own = split[property as keyof Store]
      if (own !== undefined) return own
      const value = Reflect.get(target, property, receiver) as unknown
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    }
  })
}

async function oneByOne<K, T> (keys: readonly K[], lookup: (key: K) => Promise<T[]>): Promise<T[]> {
  const found: T[] = []
  for (const key of keys) found.push(...await lookup(key))
  return found
}
