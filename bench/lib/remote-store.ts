// Makes a local store behave like one across a network: every round trip (each call, each
// stream batch) first waits `latencyMs`, as a query to a database on another host would. The
// page bench uses it to show what batching saves once a round trip costs what it does with a
// networked database rather than an in-process SQLite.
import { setTimeout as sleep } from 'node:timers/promises'
import { openStore } from '../../src/store/open-store.js'
import type { Doc, Store, StoreOptions, StreamQuery } from '../../src/store/store.js'

export function remoteStoreOpener (latencyMs: number): (url: string, options: StoreOptions) => Promise<Store> {
  return async function openRemoteStore (url, options) {
    return withLatency(await openStore(url, options), latencyMs)
  }
}

export function withLatency (store: Store, latencyMs: number): Store {
  async function * stream (entity: string, query: StreamQuery): AsyncGenerator<Doc[]> {
    const iterator = store.stream(entity, query)[Symbol.asyncIterator]()
    try {
      while (true) {
        await sleep(latencyMs)
        const next = await iterator.next()
        if (next.done === true) return
        yield next.value
      }
    } finally {
      await iterator.return?.()
    }
  }
  return {
    get kind () {
      return store.kind
    },
    get: async (entity, id, form) => {
      await sleep(latencyMs)
      return await store.get(entity, id, form)
    },
    getMany: async (entity, ids, form) => {
      await sleep(latencyMs)
      return await store.getMany(entity, ids, form)
    },
    getManyByKey: async (entity, property, values, form) => {
      await sleep(latencyMs)
      return await store.getManyByKey(entity, property, values, form)
    },
    find: async (entity, query) => {
      await sleep(latencyMs)
      return await store.find(entity, query)
    },
    findByRefs: async (entity, property, ids, query) => {
      await sleep(latencyMs)
      return await store.findByRefs(entity, property, ids, query)
    },
    countByRefs: async (entity, property, ids) => {
      await sleep(latencyMs)
      return await store.countByRefs(entity, property, ids)
    },
    stream,
    upsertMany: async (entity, docs, links) => {
      await sleep(latencyMs)
      return await store.upsertMany(entity, docs, links)
    },
    resolveLinks: async (entity, keys) => {
      await sleep(latencyMs)
      return await store.resolveLinks(entity, keys)
    },
    findLinks: async (entity, query) => {
      await sleep(latencyMs)
      return await store.findLinks(entity, query)
    },
    deleteLinks: async (entity, keys) => {
      await sleep(latencyMs)
      return await store.deleteLinks(entity, keys)
    },
    delete: async (entity, id) => {
      await sleep(latencyMs)
      return await store.delete(entity, id)
    },
    deleteMany: async (entity, ids) => {
      await sleep(latencyMs)
      return await store.deleteMany(entity, ids)
    },
    moveMany: async (from, to, moves) => {
      await sleep(latencyMs)
      return await store.moveMany(from, to, moves)
    },
    ping: async () => {
      await sleep(latencyMs)
      await store.ping()
    },
    writeStatus: async () => {
      await sleep(latencyMs)
      return await store.writeStatus()
    },
    close: async () => {
      await store.close()
    }
  }
}
