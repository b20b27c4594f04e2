// A sample shop of 500 orders with 8 items each on any store (the MongoDB one on the
// in-process stand-in), for the graph tests that compare stores and round trips.
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { buildApp } from '../../plugins/app.js'
import { loadConfig } from '../../src/config.js'
import type { ModelDefinition } from '../../src/model/model.js'
import { writeShop } from '../../src/sample/seed.js'
import { MongoStandIn } from './mongo-stand-in.js'
import { onStandIn } from './mongo-stores.js'
import { checkContract } from './contract.js'
import { createSchema, dropSchema, schemaUrl } from './postgres.js'

export const SIZE = { customers: 5, products: 10, orders: 500, itemsPerOrder: 8 }
// the batched builder on every store, whose round trips the graph tests count and compare (graphs
// the store builds itself are compared with it in test/routes/*-in-store.test.ts)
const ENV = {
  LOG_LEVEL: 'silent',
  SEED: 'false',
  STORE_TIMEOUT_MS: '60000',
  PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0',
  GRAPHS_IN_STORE: 'false'
}
export const STORES = ['memory:', 'sqlite::memory:', 'mongodb://stand-in/relata'] as const

export async function shop (
  t: Test,
  url: (typeof STORES)[number],
  env: Record<string, string> = {}
): Promise<FastifyInstance> {
  const app = await appOn(t, url, undefined, env)
  await writeShop(app.relata.store, SIZE)
  return app
}

/** An empty app on any store, serving `model` (the sample shop's when undefined). */
export async function appOn (t: Test, url: typeof STORES[number] | 'postgres', model?: ModelDefinition,
  env: Record<string, string> = {}): Promise<FastifyInstance> {
  if (url === 'postgres') {
    // a schema of its own on the PostgreSQL test server (PG_TEST_URL), dropped after the test
    const schema = await createSchema()
    t.teardown(() => dropSchema(schema))
    return await appOn(t, 'memory:', model, { ...env, DATABASE_URL: schemaUrl(schema, 'relata-test') })
  }
  const standIn = new MongoStandIn()
  const app = await buildApp(loadConfig({ DATABASE_URL: url, ...ENV, ...env }), {
    logger: false,
    ...(model === undefined ? {} : { model }),
    ...(url.startsWith('mongodb')
      ? {
          openStore: onStandIn(standIn)
        }
      : {})
  })
  t.teardown(() => app.close())
  checkContract(t, app)
  return app
}
