// Apps on the source model, one per store (memory, SQLite, the MongoDB stand-in, PostgreSQL in a
// schema of its own), with healing left to the tests (pokes only, no periodic sweep); and pairs of
// apps sharing one store.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { createMemoryStore } from '../../src/store/memory/memory-store.js'
import type { Store, StoreOptions } from '../../src/store/store.js'
import { build } from '../helper.js'
import { ENV } from '../integrity/integrity-apps.js'
import { MongoStandIn } from '../support/mongo-stand-in.js'
import { onStandIn } from '../support/mongo-stores.js'
import { createSchema, dropSchema, schemaUrl } from '../support/postgres.js'
import { sourceModel } from './source-model.js'

export type OpenApp = (t: Test) => Promise<FastifyInstance>

export const stores: Record<string, OpenApp> = {
  memory: async t => await build(t, { model: sourceModel, env: { ...ENV, DATABASE_URL: 'memory:' } }),
  sqlite: async t => await build(t, { model: sourceModel, env: ENV }),
  mongodb: async t => {
    const standIn = new MongoStandIn()
    return await build(t, {
      model: sourceModel,
      env: { ...ENV, DATABASE_URL: 'mongodb://stand-in/relata' },
      openStore: onStandIn(standIn)
    })
  },
  postgres: async t => {
    const schema = await createSchema()
    t.teardown(() => dropSchema(schema))
    return await build(t, { model: sourceModel, env: { ...ENV, DATABASE_URL: schemaUrl(schema) } })
  }
}

/** Two apps sharing one store, per store: both heal the same parked records. */
export const shared: Record<string, (t: Test) => Promise<[FastifyInstance, FastifyInstance]>> = {
  memory: async t => {
    let store: Store | undefined
    const options = {
      model: sourceModel,
      env: { ...ENV, DATABASE_URL: 'memory:' },
      openStore: async (_url: string, storeOptions: StoreOptions) => (store ??= createMemoryStore(storeOptions))
    }
    return [await build(t, options), await build(t, options)]
  },
  sqlite: async t => {
    const dir = await mkdtemp(join(tmpdir(), 'relata-sources-'))
    t.teardown(() => rm(dir, { recursive: true, force: true }))
    const env = { ...ENV, DATABASE_URL: `sqlite:${join(dir, 'shared.db')}`, STORE_TIMEOUT_MS: '10000' }
    return [await build(t, { model: sourceModel, env }), await build(t, { model: sourceModel, env })]
  },
  mongodb: async t => {
    const standIn = new MongoStandIn()
    const options = {
      model: sourceModel,
      env: { ...ENV, DATABASE_URL: 'mongodb://stand-in/relata' },
      openStore: onStandIn(standIn)
    }
    return [await build(t, options), await build(t, options)]
  },
  postgres: async t => {
    const schema = await createSchema()
    t.teardown(() => dropSchema(schema))
    const env = { ...ENV, DATABASE_URL: schemaUrl(schema), STORE_TIMEOUT_MS: '10000' }
    return [await build(t, { model: sourceModel, env }), await build(t, { model: sourceModel, env })]
  }
}
