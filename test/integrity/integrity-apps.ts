// Apps on the integrity model (reject and park policies), one per store (memory, SQLite, the
// MongoDB stand-in, PostgreSQL in a schema of its own), with healing left to the tests; `wrap`
// lets a test put itself between the app and its store.
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { openStore } from '../../src/store/open-store.js'
import type { Store, StoreOptions } from '../../src/store/store.js'
import { build } from '../helper.js'
import { integrityModel } from '../integrity-model.js'
import { MongoStandIn } from '../support/mongo-stand-in.js'
import { openOnStandIn } from '../support/mongo-stores.js'
import { createSchema, dropSchema, schemaUrl } from '../support/postgres.js'

export const ENV = { HEAL_INTERVAL_MS: '0', STORE_TIMEOUT_MS: '60000' }

type Wrap = (store: Store) => Store
export type OpenApp = (t: Test, wrap?: Wrap) => Promise<FastifyInstance>

function opener (wrap: Wrap) {
  return async (url: string, options: StoreOptions) => wrap(await openStore(url, options))
}

export const stores: Record<string, OpenApp> = {
  memory: async (t, wrap = s => s) =>
    await build(t, { model: integrityModel, env: { ...ENV, DATABASE_URL: 'memory:' }, openStore: opener(wrap) }),
  sqlite: async (t, wrap = s => s) => await build(t, { model: integrityModel, env: ENV, openStore: opener(wrap) }),
  mongodb: async (t, wrap = s => s) => {
    const standIn = new MongoStandIn()
    return await build(t, {
      model: integrityModel,
      env: { ...ENV, DATABASE_URL: 'mongodb://stand-in/relata' },
      openStore: async (_url, options) =>
        wrap(await openOnStandIn(standIn, options))
    })
  },
  postgres: async (t, wrap = s => s) => {
    const schema = await createSchema()
    t.teardown(() => dropSchema(schema))
    const env = { ...ENV, DATABASE_URL: schemaUrl(schema) }
    return await build(t, { model: integrityModel, env, openStore: opener(wrap) })
  }
}

type Method = 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'GET'

export async function send (
  app: FastifyInstance, method: Method, url: string, payload?: unknown
): Promise<{ status: number, body: any, headers: Record<string, unknown> }> {
  const res = await app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) })
  return { status: res.statusCode, body: res.body === '' ? undefined : res.json(), headers: res.headers }
}

export async function total (app: FastifyInstance, url: string): Promise<number> {
  return Number((await app.inject(url)).headers['x-total-count'])
}
