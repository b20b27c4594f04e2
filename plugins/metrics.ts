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

export default fp(async function metricsPlugin (app) {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const queries = new Counter({
    name: 'relata_store_queries_total',
    help: 'Store round trips by entity and operation',
    labelNames: ['entity', 'op'] as const,
    registers: [registry]
  })
  // Label lookups hash their arguments; the hot path reuses one child per entity and op.
  const children = new Map<string, { inc: () => void }>()
  function countQuery (entity: string, op: string): void {
    const key = `${entity}\0${op}`
    let child = children.get(key)
    if (child === undefined) children.set(key, child = queries.labels(entity, op))
    child.inc()
  }
  app.decorate('metrics', { registry, countQuery })
}, { name: 'relata-metrics', fastify: '5.x' })
