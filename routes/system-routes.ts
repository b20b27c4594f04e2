// Operational routes: health (checks the store), Prometheus metrics and the OpenAPI document.
import type { FastifyPluginAsync } from 'fastify'
import { Type } from 'typebox'
import { problem } from './schemas.js'

const systemRoutes: FastifyPluginAsync = async function systemRoutes (app) {
  app.get('/health', {
    schema: {
      tags: ['System'],
      operationId: 'health',
      security: [],
      summary: 'Whether the server and its store answer',
      description: 'Pings the store; the container HEALTHCHECK and load balancers call it.',
      response: {
        200: Type.Object({
          status: Type.Literal('ok'),
          store: Type.String({ description: 'Kind of store in use' })
        }, { description: 'The store answered' }),
        503: problem('The store does not answer')
      }
    }
  }, async function health () {
    await app.relata.store.ping()
    return { status: 'ok' as const, store: app.relata.store.kind }
  })

  app.get('/metrics', {
    schema: {
      tags: ['System'],
      operationId: 'metrics',
      summary: 'Prometheus metrics, including relata_store_queries_total{entity,op}',
      description: 'Store round trips by entity and operation, request timings and the default process metrics, in the Prometheus text format.',
      produces: ['text/plain'],
      response: { 200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } } }
    }
  }, async function metrics (_request, reply) {
    return reply.type(app.metrics.registry.contentType).send(await app.metrics.registry.metrics())
  })

  app.get('/openapi.json', {
    schema: { hide: true }
  }, async function openapi () {
    return app.swagger()
  })
}

export default systemRoutes
