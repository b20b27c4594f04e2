// /api/_parked/<route>: the records of an entity parked for a missing parent (writes that are
// pending until their parents exist), a page at a time, oldest first, one by id, and cancelling
// one. Only entities with a `park` relationship have these routes.
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { NotFoundError } from '../src/errors.js'
import { parkingEntities } from '../src/integrity/parked.js'
import type { EntityMetadata } from '../src/metadata/types.js'
import { IdParams } from './entity-params.js'
import { pagingQuery, sendPage } from './paged-list.js'
import { parkedRecordSchema, problem } from './schemas.js'

interface ParkedRoutesOptions {
  meta: EntityMetadata
}

const errors = {
  401: problem('An API key is required (when the server has keys configured) and was missing or wrong'),
  403: problem('The API key lacks the scope this request needs'),
  503: problem('The store is unavailable; retry after the Retry-After delay')
}

const parkedRoutes: FastifyPluginAsync<ParkedRoutesOptions> = async function parkedRoutes (fastify, { meta }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const parked = app.relata.entity(meta.name).parked!
  const tags = [meta.name]
  const notParked = (id: string) => new NotFoundError(`parked ${meta.name}`, id)
  const notFound = { 404: problem(`No write of a ${meta.name} with this id is parked`) }

  app.get('/', {
    schema: {
      tags,
      operationId: `listParked${meta.name}`,
      summary: `List the ${meta.name} documents parked for a missing parent`,
      description: 'Documents written while a parent they reference through a relationship with ' +
        `x-on-missing-parent: park did not exist. They are invisible to reads of ${meta.name} and stored there ` +
        'once their parents exist. Oldest first; X-Total-Count gives the number parked and Link the next and ' +
        'previous pages.',
      querystring: Type.Object(pagingQuery('Records')),
      response: {
        200: { type: 'array', items: parkedRecordSchema(meta), description: 'One page of parked records' },
        ...errors
      }
    }
  }, async function listParked (request, reply) {
    const { page, size } = request.query
    return sendPage(request, reply, request.query, await parked.page(page, size))
  })

  app.get('/:id', {
    schema: {
      tags,
      operationId: `getParked${meta.name}`,
      summary: `Get the parked write of one ${meta.name}`,
      description: 'The latest write of this id that waits for a missing parent, with the references it waits ' +
        `for. GET /api/${meta.route}/{id} answers the stored version meanwhile (if any), with Relata-Pending: parked.`,
      params: IdParams,
      response: { 200: parkedRecordSchema(meta), ...notFound, ...errors }
    }
  }, async function getParked (request) {
    const record = await parked.get(request.params.id)
    if (record === undefined) throw notParked(request.params.id)
    return record
  })

  app.delete('/:id', {
    schema: {
      tags,
      operationId: `deleteParked${meta.name}`,
      summary: `Cancel the parked write of one ${meta.name}`,
      description: 'Drops the parked version only: it will never be stored. A stored version of the id stays; ' +
        `DELETE /api/${meta.route}/{id} removes both.`,
      params: IdParams,
      response: { 204: { type: 'null', description: 'Cancelled' }, ...notFound, ...errors }
    }
  }, async function cancelParked (request, reply) {
    if (!await parked.drop(request.params.id)) throw notParked(request.params.id)
    return reply.code(204).send(null)
  })
}

export function registerParkedRoutes (app: FastifyInstance): void {
  for (const meta of parkingEntities(app.relata.metadata)) {
    app.register(parkedRoutes, { prefix: `/api/_parked/${meta.route}`, meta })
  }
}
