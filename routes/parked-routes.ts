// GET /api/_parked/<route>: the records of an entity parked for a missing parent, a page at a
// time, oldest first, with the references they wait for. Only entities with a `park`
// relationship have one.
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { parkedEntity, parkingEntities, type ParkedRecord } from '../src/integrity/parked.js'
import type { EntityMetadata } from '../src/metadata/types.js'
import { HiddenFields } from '../src/model/hidden-fields.js'
import { parkedRecordSchema, problem } from './schemas.js'

interface ParkedRoutesOptions {
  meta: EntityMetadata
  hidden: HiddenFields
}

const parkedRoutes: FastifyPluginAsync<ParkedRoutesOptions> = async function parkedRoutes (fastify, { meta, hidden }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const hide = hidden.of(meta.name) ?? (doc => doc)
  app.get('/', {
    schema: {
      tags: [meta.name],
      operationId: `listParked${meta.name}`,
      summary: `List the ${meta.name} documents parked for a missing parent`,
      description: `Documents written while a parent they reference through a relationship with x-on-missing-parent: park did not exist. They are invisible to reads of ${meta.name} and stored there once their parents exist. Oldest first; X-Total-Count gives the number parked.`,
      querystring: Type.Object({
        page: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1, description: '1-based page number' }),
        size: Type.Integer({ minimum: 1, maximum: 1000, default: 50, description: 'Records per page' })
      }),
      response: {
        200: { type: 'array', items: parkedRecordSchema(meta), description: 'One page of parked records' },
        401: problem('An API key is required (when the server has keys configured) and was missing or wrong'),
        403: problem('The API key lacks the scope this request needs'),
        503: problem('The store is unavailable; retry after the Retry-After delay')
      }
    }
  }, async function listParked (request, reply) {
    const { page, size } = request.query
    const { items, total } = await app.relata.store.find(parkedEntity(meta.name), { page, size, sort: [{ field: 'parkedAt', desc: false }] })
    reply.header('x-total-count', total)
    return (items as ParkedRecord[]).map(record => ({ id: record.id, doc: hide(record.doc), missing: record.missing, parkedAt: record.parkedAt }))
  })
}

export function registerParkedRoutes (app: FastifyInstance): void {
  const hidden = new HiddenFields(app.relata.metadata)
  for (const meta of parkingEntities(app.relata.metadata)) {
    app.register(parkedRoutes, { prefix: `/api/_parked/${meta.route}`, meta, hidden })
  }
}
