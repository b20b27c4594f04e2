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
      summary: 'Whether the server and its store answer, reads and writes apart',
      description: 'Pings the store for reads and checks, without waiting, whether a write could take ' +
        'its lock: 200 while reads work, even when writes are held up; 503 when reads fail. The ' +
        'container HEALTHCHECK and load balancers call it.',
      response: {
        200: Type.Object({
          status: Type.Literal('ok'),
          store: Type.Object({
            kind: Type.String({ description: 'Kind of store in use: memory, sqlite or mongodb' }),
            read: Type.Literal('ok', { description: 'Reads answer' }),
            write: Type.Union([Type.Literal('ok'), Type.Literal('locked'), Type.Literal('unavailable')], {
              description: 'ok; locked while another connection holds the write lock (writes wait, then answer 503); ' +
                'unavailable when the write check failed otherwise'
            })
          }, { description: 'The store, reads and writes apart' })
        }, { description: 'Reads answer; `store.write` says whether writes do' }),
        503: problem('The store does not answer reads')
      }
    }
  }, async function health (request) {
    const { store } = app.relata
    await store.ping()
    const write = await store.writeStatus().catch(function writeDown (error: unknown) {
      request.log.warn({ err: error }, 'the store answers reads but not writes')
      return 'unavailable' as const
    })
    return { status: 'ok' as const, store: { kind: store.kind, read: 'ok' as const, write } }
  })

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['System'],
        operationId: 'metrics',
        summary: 'Prometheus metrics, including relata_store_queries_total{entity,op}',
        description:
          'Store round trips by entity and operation, request timings and the default process metrics, in the ' +
            'Prometheus text format.',
        produces: ['text/plain'],
        response: {
          200: {
            description: 'Prometheus text exposition format',
            content: { 'text/plain': { schema: { type: 'string' } } }
          }
        }
      }
    },
    async function metrics (_request, reply) {
      return reply.type(app.metrics.registry.contentType).send(await app.metrics.registry.metrics())
    }
  )

  app.get('/openapi.json', {
    schema: { hide: true }
  }, async function openapi () {
    return app.swagger()
  })
}

export default systemRoutes
