// Prometheus metrics: a registry per app instance (so several apps in one process never share
// counters), the default process metrics, and the store round-trip counter.
import fp from 'fastify-plugin'
import { Counter, Registry, collectDefaultMetrics } from 'prom-client'

export interface Metrics {
  registry: Registry
  /** Counts one store round trip; the store adapters call it through `onQuery`. */
  countQuery: (entity: string, op: string) => void
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics
  }
}

/** The round trips of one entity and op, counted here and handed to prom-client when scraped. */
interface Tally {
  labels: { entity: string, op: string }
  count: number
  /** What prom-client holds already. */
  reported: number
}

export default fp(async function metricsPlugin (app) {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  // Every store call is counted, several per request: prom-client's inc() hashes and checks its
  // labels each time (even through a labels() child), so the hot path only adds to a plain
  // number per entity and op, and the counter catches up when the registry is read.
  const tallies = new Map<string, Map<string, Tally>>()
  // eslint-disable-next-line no-new -- registered in `registry`, which is what reads it
  new Counter({
    name: 'relata_store_queries_total',
    help: 'Store round trips by entity and operation',
    labelNames: ['entity', 'op'] as const,
    registers: [registry],
    collect () {
      for (const ops of tallies.values()) {
        for (const tally of ops.values()) {
          if (tally.count > tally.reported) this.inc(tally.labels, tally.count - tally.reported)
          tally.reported = tally.count
        }
      }
    }
  })
  function countQuery (entity: string, op: string): void {
    let ops = tallies.get(entity)
    if (ops === undefined) tallies.set(entity, ops = new Map())
    let tally = ops.get(op)
    if (tally === undefined) ops.set(op, tally = { labels: { entity, op }, count: 0, reported: 0 })
    tally.count++
  }
  app.decorate('metrics', { registry, countQuery })
}, { name: 'relata-metrics', fastify: '5.x' })
