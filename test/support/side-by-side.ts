// The same request sent to two apps, one on `sqlite::memory:` and one on the store under test,
// expecting the same status, body and store round trips (mongodb-http, postgres-http tests).
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { countQueries } from '../helper.js'

/** The shop both apps are seeded with. */
export const SHOP_SIZE = { customers: 20, products: 40, orders: 300, itemsPerOrder: 3 }

export type Method = 'GET' | 'POST' | 'DELETE'

export interface Answer {
  status: number
  type: string | undefined
  total: string | undefined
  /** Parsed: JSON as a value, NDJSON as the list of its lines' values, anything else as text. */
  body: unknown
  queries: number
}

export async function answer (app: FastifyInstance, method: Method, url: string, payload?: unknown): Promise<Answer> {
  let res!: Awaited<ReturnType<FastifyInstance['inject']>>
  const queries = await countQueries(app, async () => {
    res = await app.inject({ method, url, payload: payload as object })
  })
  const type = res.headers['content-type'] as string | undefined
  let body: unknown = res.body
  if (type?.includes('json') === true && !type.includes('ndjson')) body = res.json()
  if (type?.includes('ndjson') === true) {
    body = res.body.split('\n').filter(line => line !== '').map(line => JSON.parse(line) as unknown)
  }
  return { status: res.statusCode, type, total: res.headers['x-total-count'] as string | undefined, body, queries }
}

/** The app on `sqlite::memory:` and the one on the store under test, seeded alike. */
export interface Pair {
  sqlite: FastifyInstance
  tested: FastifyInstance
}

/**
 * Sends the request to both apps and expects the same answer and round trips, and the same
 * key order in the body; answers the tested app's.
 */
export async function same (t: Test, apps: Pair, method: Method, url: string, payload?: unknown): Promise<Answer> {
  const onSqlite = await answer(apps.sqlite, method, url, payload)
  const onTested = await answer(apps.tested, method, url, payload)
  t.same(onTested, onSqlite, `${method} ${url}: ${onTested.status}, ${onTested.queries} round trips on both`)
  t.equal(JSON.stringify(onTested.body), JSON.stringify(onSqlite.body), `${method} ${url}: the same key order`)
  return onTested
}

/** A filter as the `filter` query parameter. */
export const q = (filter: unknown): string => encodeURIComponent(JSON.stringify(filter))
