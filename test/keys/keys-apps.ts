// Apps on a model, one per store (memory, SQLite, the MongoDB stand-in with transactions,
// PostgreSQL in a schema of its own), with healing left to the tests; and pairs of apps sharing
// one store.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import type { ModelDefinition } from '../../src/model/model.js'
import { createMemoryStore } from '../../src/store/memory/memory-store.js'
import type { Store, StoreOptions } from '../../src/store/store.js'
import { build } from '../helper.js'
import { MongoStandIn } from '../support/mongo-stand-in.js'
import { onStandIn } from '../support/mongo-stores.js'
import { createSchema, dropSchema, schemaUrl } from '../support/postgres.js'

const ENV = { HEAL_INTERVAL_MS: '0', STORE_TIMEOUT_MS: '60000' }

export type OpenApp = (t: Test, model: ModelDefinition) => Promise<FastifyInstance>

export const stores: Record<string, OpenApp> = {
  memory: async (t, model) => await build(t, { model, env: { ...ENV, DATABASE_URL: 'memory:' } }),
  sqlite: async (t, model) => await build(t, { model, env: ENV }),
  mongodb: async (t, model) => {
    const standIn = new MongoStandIn()
    return await build(t, {
      model,
      env: { ...ENV, DATABASE_URL: 'mongodb://stand-in/relata' },
      openStore: onStandIn(standIn)
    })
  },
  postgres: async (t, model) => {
    const schema = await createSchema()
    t.teardown(() => dropSchema(schema))
    return await build(t, { model, env: { ...ENV, DATABASE_URL: schemaUrl(schema) } })
  }
}

type Pair = [FastifyInstance, FastifyInstance]

/** Two apps sharing one store, per store: both heal the same parked records. */
export const shared: Record<string, (t: Test, model: ModelDefinition) => Promise<Pair>> = {
  memory: async (t, model) => {
    let store: Store | undefined
    const openStore = async (_url: string, options: StoreOptions) => (store ??= createMemoryStore(options))
    const options = { model, env: { ...ENV, DATABASE_URL: 'memory:' }, openStore }
    return [await build(t, options), await build(t, options)]
  },
  sqlite: async (t, model) => {
    const dir = await mkdtemp(join(tmpdir(), 'relata-keys-'))
    t.teardown(() => rm(dir, { recursive: true, force: true }))
    const env = { ...ENV, DATABASE_URL: `sqlite:${join(dir, 'shared.db')}`, STORE_TIMEOUT_MS: '10000' }
    return [await build(t, { model, env }), await build(t, { model, env })]
  },
  mongodb: async (t, model) => {
    const standIn = new MongoStandIn()
    const options = {
      model,
      env: { ...ENV, DATABASE_URL: 'mongodb://stand-in/relata' },
      openStore: onStandIn(standIn)
    }
    return [await build(t, options), await build(t, options)]
  },
  postgres: async (t, model) => {
    const schema = await createSchema()
    t.teardown(() => dropSchema(schema))
    const env = { ...ENV, DATABASE_URL: schemaUrl(schema), STORE_TIMEOUT_MS: '10000' }
    return [await build(t, { model, env }), await build(t, { model, env })]
  }
}

type Method = 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'GET'

export async function send (
  app: FastifyInstance, method: Method, url: string, payload?: unknown, headers: Record<string, string> = {}
): Promise<{ status: number, body: any, type: string | undefined }> {
  const res = await app.inject({
    method, url, headers, ...(payload === undefined ? {} : { payload: payload as object })
  })
  const type = res.headers['content-type'] as string | undefined
  const json = type?.includes('json') === true && !type.includes('ndjson')
  return { status: res.statusCode, body: json ? res.json() : res.body, type }
}
