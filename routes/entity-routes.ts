// The generic entity controller: list, stream, get, create, replace, patch and delete for one
// entity under /api/<route>. Handlers only translate HTTP to calls on the entity's EntityApi.
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { WriteOutcome } from '../src/entities/entity-api.js'
import type { RawQuery } from '../src/entities/query.js'
import type { EntityScope } from '../src/metadata/entity-scope.js'
import { OBJECTS, textForm } from '../src/graph/answer-form.js'
import type { Graph } from '../src/graph/graph.js'
import { normalize } from '../src/graph/normalize.js'
import type { EntityMetadata } from '../src/metadata/types.js'
import {
  fieldsParams, getInapplicable, graphParams, IdParams, listQuery, readQuery, shapeParam, streamInapplicable, withParam,
  WriteIdParams
} from './entity-params.js'
import { ndjsonStream } from './ndjson.js'
import { connectionSignal } from './connection-signal.js'
import { readQueryOf } from './checked-queries.js'
import { NDJSON } from './import-route.js'
import { JSON_TYPE, MERGE_PATCH_TYPE } from '../plugins/bodies.js'
import { guardReservedSegments } from './reserved-segments.js'
import { sourceOption, sourceParam } from './source-param.js'
import { pageLinks, setLinkHeader } from './page-links.js'
import { setTotalHeaders, totalHeaders } from './total-headers.js'
import { deleteTellingParked, getTellingPending, pendingNotes } from './pending-writes.js'
import { checkedParents } from '../src/integrity/missing-parents.js'
import type { Doc } from '../src/store/store.js'
import { problem, readDocument, ref, writeAccepted } from './schemas.js'

export interface EntityRoutesOptions {
  meta: EntityMetadata
  streamBatchSize: number
  /** Answers written as text, splicing in stored documents (TEXT_ANSWERS); JSON.stringify of parsed ones otherwise. */
  textAnswers: boolean
}

const errors = {
  400: problem('The request is malformed: see detail and errors'),
  401: problem('An API key is required (when the server has keys configured) and was missing or wrong'),
  403: problem('The API key lacks the scope (read or write) this request needs, ' +
    'or the request reaches an entity outside its entity list (the detail names it)'),
  503: problem('The store is unavailable; retry after the Retry-After delay')
}
const notFound = { 404: problem('No document has this id') }
const unsupported = { 415: problem('The body\'s Content-Type is not one this route takes; the detail lists them') }
const jsonOnly = [JSON_TYPE]
const overBudget = {
  422: problem(
    'The relationships asked for could load more related documents than the server allows (ROW_BUDGET); errors name ' +
      'the limit[Child] values that fit'
  )
}

/** What a list answers beside its page: its total, and links to its neighbours. */
const listHeaders = {
  ...totalHeaders,
  link: {
    type: 'string',
    description: 'RFC 8288 links to the `next` and `prev` pages (`rel="next"`, `rel="prev"`), when there are some'
  }
}

/** Write bodies are validated by the model (one validator for library and HTTP, with per-item error paths). */
const validatedByModel = () => () => true
/** What a read answered as JSON text is sent as: the type Fastify gives the JSON it serializes. */
const JSON_ANSWER = 'application/json; charset=utf-8'

const entityRoutes: FastifyPluginAsync<EntityRoutesOptions> = async function entityRoutes (
  fastify,
  { meta, streamBatchSize, textAnswers }
) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const api = app.relata.entity(meta.name)
  // reads answered as JSON text: spliced from stored text, or JSON.stringify of parsed documents
  const text = textForm(textAnswers)
  const tags = [meta.name]
  const one = ref(meta.name)
  // what a read answers: the document, whole or trimmed by `fields`, or its graph
  const read = readDocument(meta.name).anyOf
  const oneOrGraph = { anyOf: [...read, ref(`${meta.name}Graph`)] }
  const normalized = ref(`${meta.name}Normalized`)
  const input = ref(`${meta.name}Input`)
  // only entities with reject/park relationships can answer 202 or 422: the others' contract is unchanged
  const integrity =
    checkedParents(meta).length === 0
      ? {}
      : {
          202: writeAccepted(meta),
          422: problem(
            'A reference points at a missing parent through a relationship with x-on-missing-parent: reject; ' +
              'nothing was written'
          )
        }
  // only entities with unique keys can answer 409
  const keyed = meta.uniqueKeys.length === 0
    ? {}
    : {
        409: problem('A document would take a unique key value (x-unique, x-unique-keys) that another document ' +
          'holds (key-conflict)' + (meta.children.some(c => c.parentKey !== 'id')
          ? ', or change or drop a key value that children reference (x-parent-key; key-in-use)'
          : '') + '; the detail names the key; nothing was written')
      }
  const notes = pendingNotes(meta)
  // the reads' query strings are checked and parsed once each, before the handler (plugins/query-params.ts)
  const parseQuery = (query: RawQuery, scope: EntityScope) => api.parse(query, scope)

  app.get(
    '/',
    {
      config: { parseQuery },
      schema: {
        tags,
        operationId: `list${meta.name}`,
        summary: `List ${meta.name} documents, a page at a time`,
        description:
          'Answers a JSON array; X-Total-Count gives the number of matches (exact; past COUNT_LIMIT ' +
            'X-Total-Count-At-Least instead, unless `total=exact`) and Link the next and previous pages. ' +
            'With `after` (or `cursor=true`) the next link continues after the last item by cursor, stable while ' +
            'documents are written.',
        querystring: listQuery(meta, app.relata.metadata),
        response: {
          200: {
            anyOf: [{ type: 'array', items: oneOrGraph }, normalized],
            description:
              'One page of documents (graphs when `with` is given), or with `shape=normalized` the page normalized',
            headers: listHeaders
          },
          ...overBudget,
          ...errors
        }
      }
    },
    async function list (request, reply) {
      const { page, size, total } = request.query
      const query = readQueryOf(request)
      const normalized = request.query.shape === 'normalized'
      // a client that leaves cancels the reads (the signal aborts when its connection closes)
      const signal = connectionSignal(request)
      const paged = { ...query, page, size, signal, ...(total === undefined ? {} : { total }) }
      // a normalized page needs the graphs as objects; any other page is answered as text
      const result = normalized ? await api.list(paged) : await api.list(paged, text)
      setTotalHeaders(reply, result)
      const keyset = query.after !== undefined || request.query.cursor === true
      const links = keyset ? cursorLinks(request, size, result.next) : pageLinks(request, page, size, result.total)
      setLinkHeader(reply, links)
      if (!normalized) return reply.type(JSON_ANSWER).send(`[${result.items.join(',')}]`)
      const items = result.items as Array<Doc | Graph>
      return { ...normalize(items, query.selection), links: { self: request.url, ...links } }
    }
  )

  app.get(
    '/stream',
    {
      config: { inapplicable: streamInapplicable, parseQuery },
      schema: {
        tags,
        operationId: `stream${meta.name}`,
        summary: `Stream every matching ${meta.name} as NDJSON`,
        description:
          'One JSON document (a graph when `with` is given) per line, each match exactly once. The store is read in ' +
            'batches as the client consumes the body; a body that ends without a final newline was cut by a server ' +
            'fault. With `cursor=true` each line also carries its cursor, and `after=<the last cursor received>` ' +
            'resumes a cut stream with exactly the rest.',
        querystring: readQuery(meta, app.relata.metadata),
        produces: ['application/x-ndjson'],
        response: {
          200: {
            description: 'NDJSON, one document per line (with `cursor=true`, one cursor line)',
            content: {
              // a byte stream of lines: each line's schema is the item schema (OpenAPI 3.2's itemSchema, as the
              // registered 3.1 extension), so that generators do not read the body as one JSON value
              [NDJSON]: {
                schema: { type: 'string', description: 'NDJSON: one JSON value and a newline per line' },
                'x-oai-itemSchema': { anyOf: [...read, ref(`${meta.name}Graph`), ref(`${meta.name}CursorLine`)] }
              }
            }
          },
          ...overBudget,
          ...errors
        }
      }
    },
    async function stream (request, reply) {
      const parsed = readQueryOf(request)
      const query = { ...parsed, batchSize: streamBatchSize, signal: connectionSignal(request) }
      // a cursor line wraps each item: those are written by JSON.stringify
      const body = request.query.cursor === true
        ? await ndjsonStream<unknown>(api.streamWithCursors(query))
        : await ndjsonStream(api.stream(query, text), line => line)
      return reply.type('application/x-ndjson').send(body)
    }
  )

  app.get(
    '/:id',
    {
      config: { inapplicable: getInapplicable, parseQuery },
      schema: {
        tags,
        operationId: `get${meta.name}`,
        summary: `Get one ${meta.name}, optionally with its relationships`,
        description: `With \`with\`, answers a ${meta.name}Graph: the ${meta.name} as \`entity\`, its \`parents\` ` +
          'by reference property and its `children` by child entity and reference property, all loaded in one ' +
          `batch per relationship.${notes.get}`,
        params: IdParams,
        querystring: Type.Object({
          with: withParam(meta, app.relata.metadata),
          ...graphParams(meta, app.relata.metadata),
          ...fieldsParams(meta, app.relata.metadata),
          shape: shapeParam
        }),
        response: {
          200: {
            anyOf: [...read, ref(`${meta.name}Graph`), normalized],
            description: `The ${meta.name}, or its graph when \`with\` is given, or with \`shape=normalized\` both ` +
              'normalized'
          },
          ...notFound,
          ...overBudget,
          ...errors
        }
      }
    },
    async function get (request, reply) {
      // the parsed query as it is kept (frozen, per query string), the signal beside it: the
      // read's checks and plan are then made once per query string (EntityApi.get)
      const query = readQueryOf(request)
      const signal = connectionSignal(request)
      if (request.query.shape !== 'normalized') {
        return reply.type(JSON_ANSWER).send(await getTellingPending(api, reply, request.params.id, query, text, signal))
      }
      const found = await getTellingPending(api, reply, request.params.id, query, OBJECTS, signal)
      return { ...normalize([found], query.selection), links: { self: request.url } }
    }
  )

  app.post(
    '/',
    {
      validatorCompiler: validatedByModel,
      config: {
        accepts: jsonOnly,
        refusedHints: {
          [NDJSON]: `to load NDJSON lines, POST them to /api/${meta.route}/import`,
          [MERGE_PATCH_TYPE]: `only PATCH /api/${meta.route}/{id} takes a merge patch`
        }
      },
      schema: {
        tags,
        operationId: `create${meta.name}`,
        summary: `Create or replace one ${meta.name} or many`,
        description:
          'Send one document or an array; the whole write is validated first and stored atomically, so an invalid ' +
            'item means nothing is written. Missing ids are assigned (ULIDs).',
        ...(meta.sources.length === 0 ? {} : { querystring: Type.Object(sourceParam(meta)) }),
        body: { anyOf: [input, { type: 'array', items: input }] },
        response: {
          201: {
            anyOf: [one, { type: 'array', items: one }],
            description: 'What was stored, in the shape that was sent'
          },
          ...integrity,
          ...keyed,
          413: problem('The body is too large'),
          ...unsupported,
          ...errors
        }
      }
    },
    async function create (request, reply) {
      const { stored, parked } = await api.write(request.body, sourceOption(request.query))
      if (parked.length > 0) return reply.code(202).send({ stored, parked })
      reply.code(201)
      if (!Array.isArray(request.body)) {
        reply.header('location', `${pathOf(request).replace(/\/$/, '')}/${encodeURIComponent(stored[0]!.id)}`)
      }
      return Array.isArray(request.body) ? stored : stored[0]
    }
  )

  app.put(
    '/:id',
    {
      validatorCompiler: validatedByModel,
      config: {
        accepts: jsonOnly,
        refusedHints: { [MERGE_PATCH_TYPE]: `a merge patch goes to PATCH /api/${meta.route}/{id}` }
      },
      schema: {
        tags,
        operationId: `replace${meta.name}`,
        summary: `Create or replace the ${meta.name} with this id`,
        description:
          'The body is the whole document; its id, when present, must equal the one in the path. ' +
          'Answers 201 with a Location when it created the document, 200 when it replaced one.',
        params: WriteIdParams,
        body: input,
        response: {
          200: { ...one, description: 'What was stored, replacing the document' },
          201: { ...one, description: 'What was stored, a new document; Location is its URL' },
          ...integrity,
          ...keyed,
          ...unsupported,
          ...errors
        }
      }
    },
    async function replace (request, reply) {
      const { created, ...outcome } = await api.replace(request.params.id, request.body)
      // the path is the new document's URL, as a POST's Location would give it
      if (created && outcome.parked.length === 0) reply.code(201).header('location', pathOf(request))
      return answerOne(reply, outcome)
    }
  )

  app.patch(
    '/:id',
    {
      validatorCompiler: validatedByModel,
      config: { accepts: [JSON_TYPE, MERGE_PATCH_TYPE] },
      schema: {
        tags,
        operationId: `patch${meta.name}`,
        summary: `Change some properties of a ${meta.name}`,
        description: 'A JSON merge patch (RFC 7396): null removes a property. The result is validated as a ' +
          `whole.${notes.patch}`,
        params: IdParams,
        body: {
          content: {
            [MERGE_PATCH_TYPE]: { schema: ref(`${meta.name}Patch`) },
            [JSON_TYPE]: { schema: ref(`${meta.name}Patch`) }
          }
        },
        response: {
          200: { ...one, description: 'What was stored' },
          ...integrity,
          ...keyed,
          ...notFound,
          ...unsupported,
          ...errors
        }
      }
    },
    async function patch (request, reply) {
      return answerOne(reply, await api.patch(request.params.id, request.body))
    }
  )

  app.delete(
    '/:id',
    {
      schema: {
        tags,
        operationId: `delete${meta.name}`,
        summary: `Delete a ${meta.name}`,
        description: 'Children that reference it are kept; their reference then reads as null in ' +
          `graphs.${notes.delete}`,
        params: IdParams,
        response: { 204: { type: 'null', description: 'Deleted' }, ...notFound, ...errors }
      }
    },
    async function remove (request, reply) {
      await deleteTellingParked(api, reply, request.params.id)
      return reply.code(204).send(null)
    }
  )
}

/** The request's URL without its query string. */
function pathOf (request: FastifyRequest): string {
  return request.url.split('?')[0]!
}

/** The status set (200 unless told), with the document stored; or 202 saying it was parked. */
function answerOne (reply: FastifyReply, { stored, parked }: WriteOutcome): FastifyReply {
  return parked.length > 0 ? reply.code(202).send({ stored, parked }) : reply.send(stored[0])
}

/** The next link of a keyset list: the same request, continuing after the last item. */
function cursorLinks (request: FastifyRequest, size: number, next: string | undefined): { next?: string } {
  if (next === undefined) return {}
  const [path, search = ''] = request.url.split('?') as [string, string?]
  const params = new URLSearchParams(search)
  params.delete('page')
  params.set('after', next)
  params.set('size', String(size))
  return { next: `${path}?${params.toString()}` }
}

export function registerEntityRoutes (app: FastifyInstance,
  options: Pick<EntityRoutesOptions, 'streamBatchSize' | 'textAnswers'>): void {
  guardReservedSegments(app, app.relata.metadata.all().map(meta => meta.route))
  for (const meta of app.relata.metadata.all()) {
    app.register(entityRoutes, { prefix: `/api/${meta.route}`, meta, ...options })
  }
}
