// /api/_links/<route>: the identity links of an entity that takes source ids (`x-sources`), each
// mapping a source system's id to a document's id. Listed a page at a time (all, one document's
// or one source's), added (a second source's id for a document already stored: the merge of two
// systems' records) and removed. Only entities declaring sources have these routes.
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { EntityMetadata } from '../src/metadata/types.js'
import { MAX_SOURCE_ID_LENGTH } from '../src/sources/source-ids.js'
import { pagingQuery, sendPage } from './paged-list.js'
import { problem } from './schemas.js'
import { NotFoundError } from '../src/errors.js'

interface LinkRoutesOptions {
  meta: EntityMetadata
}

const errors = {
  400: problem('A parameter or the body is malformed: see detail and errors'),
  401: problem('An API key is required (when the server has keys configured) and was missing or wrong'),
  403: problem('The API key lacks the scope this request needs'),
  503: problem('The store is unavailable; retry after the Retry-After delay')
}

function linkSchema (meta: EntityMetadata) {
  return Type.Object({
    source: Type.String({ enum: [...meta.sources], description: 'The source system' }),
    sourceId: Type.String({
      minLength: 1, maxLength: MAX_SOURCE_ID_LENGTH, description: 'The id the source system gives the document'
    }),
    id: Type.String({ minLength: 1, description: `The id of the ${meta.name} it names` })
  }, { description: `An identity link: a source system's id for a ${meta.name}` })
}

const linkRoutes: FastifyPluginAsync<LinkRoutesOptions> = async function linkRoutes (fastify, { meta }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const links = app.relata.entity(meta.name).links!
  const tags = [meta.name]
  const link = linkSchema(meta)
  const source = Type.String({ enum: [...meta.sources], description: 'The source system' })

  app.get('/', {
    schema: {
      tags,
      operationId: `listLinks${meta.name}`,
      summary: `List the identity links of ${meta.name} documents`,
      description: `Which source system ids name which ${meta.name}, ordered by source, then source id; ` +
        'X-Total-Count gives the number of matches and Link the next and previous pages.',
      querystring: Type.Object({
        id: Type.Optional(Type.String({ minLength: 1, description: 'Only the links of this document' })),
        source: Type.Optional(Type.String({ ...source, description: 'Only the links of this source' })),
        ...pagingQuery('Links')
      }),
      response: { 200: Type.Array(link, { description: 'One page of links' }), ...errors }
    }
  }, async function listLinks (request, reply) {
    const { page, size, id, source } = request.query
    const only = { ...(id === undefined ? {} : { id }), ...(source === undefined ? {} : { source }) }
    return sendPage(request, reply, request.query, await links.page({ page, size, ...only }))
  })

  app.post('/', {
    schema: {
      tags,
      operationId: `createLink${meta.name}`,
      summary: `Link a source system's id to a stored ${meta.name}`,
      description: 'Later writes from that source naming this source id update the document, and references ' +
        'carrying it reach the document; records parked on it are healed. A source id already linked to another ' +
        'document is a 409 (delete that link first); linking it to the same document again changes nothing.',
      body: link,
      response: {
        201: link,
        404: problem(`No ${meta.name} with this id is stored`),
        409: problem('The source id is already linked to another document'),
        ...errors
      }
    }
  }, async function createLink (request, reply) {
    reply.code(201)
    return await links.add(request.body)
  })

  app.delete('/:source/:sourceId', {
    schema: {
      tags,
      operationId: `deleteLink${meta.name}`,
      summary: `Remove one identity link of a ${meta.name}`,
      description: 'The document stays. A later write from that source naming this source id creates a new ' +
        'document (with the id `<source>:<sourceId>`) unless the id is linked again first.',
      params: Type.Object({
        source,
        sourceId: Type.String({ minLength: 1, maxLength: MAX_SOURCE_ID_LENGTH, description: 'The source id' })
      }),
      response: {
        204: { type: 'null', description: 'Removed' },
        404: problem('This source id is not linked'),
        ...errors
      }
    }
  }, async function deleteLink (request, reply) {
    const { source, sourceId } = request.params
    if (!await links.remove({ source, sourceId })) throw new NotFoundError(`${source} link of ${meta.name}`, sourceId)
    return reply.code(204).send(null)
  })
}

export function registerLinkRoutes (app: FastifyInstance): void {
  for (const meta of app.relata.metadata.all()) {
    if (meta.sources.length > 0) app.register(linkRoutes, { prefix: `/api/_links/${meta.route}`, meta })
  }
}
