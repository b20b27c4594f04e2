// Shared test helpers: build an app on its own in-memory store (so test files run in
// parallel), its every response checked against its OpenAPI document, and read store round
// trips from /metrics.
import type { Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildApp, type BuildOptions } from '../plugins/app.js'
import { loadConfig } from '../src/config.js'
import { checkContract } from './support/contract.js'
export { libraryModel } from './library-model.js'

export async function build (
  t: Test,
  options: BuildOptions & { env?: Record<string, string> } = {}
): Promise<FastifyInstance> {
  // no load shedding by default: tests that seed big data block the event loop on purpose
  const config = loadConfig({
    DATABASE_URL: 'sqlite::memory:',
    LOG_LEVEL: 'silent',
    SEED: 'false',
    PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0',
    ...options.env
  })
  const app = await buildApp(config, { logger: false, ...options })
  t.teardown(() => app.close())
  checkContract(t, app)
  return app
}

/** Store round trips so far, summed over the matching label values. */
export async function storeQueries (
  app: FastifyInstance,
  filter: { entity?: string, op?: string } = {}
): Promise<number> {
  const text = await app.metrics.registry.getSingleMetricAsString('relata_store_queries_total')
  let sum = 0
  for (const line of text.split('\n')) {
    const m = /^relata_store_queries_total\{entity="([^"]+)",op="([^"]+)"\} (\d+)/.exec(line)
    if (m === null) continue
    if (filter.entity !== undefined && m[1] !== filter.entity) continue
    if (filter.op !== undefined && m[2] !== filter.op) continue
    sum += Number(m[3])
  }
  return sum
}

/** Runs `fn` and returns how many store round trips it made. */
export async function countQueries (app: FastifyInstance, fn: () => Promise<unknown>): Promise<number> {
  const before = await storeQueries(app)
  await fn()
  return await storeQueries(app) - before
}

export async function post (app: FastifyInstance, url: string, payload: unknown): Promise<unknown> {
  const res = await app.inject({ method: 'POST', url, payload: payload as object })
  if (res.statusCode !== 201) throw new Error(`POST ${url} answered ${res.statusCode}: ${res.body}`)
  return res.json()
}
