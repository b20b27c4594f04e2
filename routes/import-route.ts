// POST /api/<route>/import: an NDJSON body of any size, upserted in batches as it arrives.
// The body reaches the handler as the raw request stream (no body limit applies), is split into
// lines by split2 and read only as fast as the store takes the batches.
import { Readable } from 'node:stream'
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import split2 from 'split2'
import { Type } from 'typebox'
import { importNdjson } from '../src/entities/import-ndjson.js'
import { BadRequestError } from '../src/errors.js'
import type { EntityMetadata } from '../src/metadata/types.js'
import { problem, ref } from './schemas.js'
import { JSON_TYPE } from '../plugins/bodies.js'
import { validateAllButBody } from './validate-all-but-body.js'
import { sourceOption, sourceParam } from './source-param.js'

export const NDJSON = 'application/x-ndjson'
export const DEFAULT_IMPORT_BATCH = 500

export interface ImportLimits {
  /** Most documents per store write (MAX_BULK). */
  maxBulk: number
  /** Longest accepted line in bytes (BODY_LIMIT: one document is never larger than a body). */
  maxLineBytes: number
}

interface ImportRouteOptions extends ImportLimits {
  meta: EntityMetadata
}

const ImportReport = Type.Object(
  {
    lines: Type.Integer({ description: 'Lines read, blank ones included' }),
    stored: Type.Integer({ description: 'Documents created or replaced' }),
    parked: Type.Integer({
      description: 'Documents parked until a missing parent arrives (relationships with x-on-missing-parent: park)'
    }),
    rejected: Type.Integer({
      description:
        'Lines skipped because they are not a valid document, or reference a missing parent through a relationship ' +
          'with x-on-missing-parent: reject'
    }),
    batches: Type.Integer({ description: 'Store writes made, one per batch' }),
    rejections: Type.Array(
      Type.Object({
        line: Type.Integer({ description: '1-based line number in the body' }),
        reason: Type.String({ description: 'Why the line was skipped' }),
        errors: Type.Optional(
          Type.Array(
            Type.Object({
              path: Type.String({ description: "JSON pointer into the line's document" }),
              message: Type.String({ description: 'What is wrong there' })
            }),
            { description: 'Each schema violation of the line' }
          )
        )
      }),
      { description: 'The skipped lines, in order (at most 1000)' }
    ),
    rejectionsTruncated: Type.Boolean({ description: 'True when more lines were skipped than are listed' })
  },
  { description: 'What the import stored and what it skipped' }
)

const importRoute: FastifyPluginAsync<ImportRouteOptions> = async function importRoute (
  fastify,
  { meta, maxBulk, maxLineBytes }
) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const api = app.relata.entity(meta.name)
  app.addContentTypeParser(NDJSON, function passTheStream (_request, payload, done) {
    done(null, payload)
  })

  app.post(
    '/import',
    {
      // the body is never validated as JSON: each line is validated by the model on its own
      validatorCompiler: validateAllButBody,
      config: {
        accepts: [NDJSON],
        refusedHints: { [JSON_TYPE]: `to write JSON documents, POST them to /api/${meta.route}` }
      },
      schema: {
        tags: [meta.name],
        operationId: `import${meta.name}`,
        summary: `Upsert ${meta.name} documents from NDJSON, in batches`,
        description: `One ${meta.name} per line, any number of lines. Valid lines are created or replaced one batch ` +
          '(one store write) at a time; invalid lines are skipped and listed by line number, and never stop their ' +
          'neighbours. A store failure answers 503 with the line to resume after.',
        consumes: [NDJSON],
        querystring: Type.Object({
          batchSize: Type.Integer({
            minimum: 1,
            maximum: 100_000,
            default: Math.min(DEFAULT_IMPORT_BATCH, maxBulk),
            description: `Valid lines per store write; capped at the server's bulk limit (MAX_BULK, ${maxBulk})`
          }),
          ...sourceParam(meta)
        }),
        // raw bytes, so that generated clients send the lines as they are rather than as a JSON string
        body: {
          content: {
            [NDJSON]: {
              schema: {
                type: 'string',
                format: 'binary',
                contentMediaType: NDJSON,
                description: `NDJSON: one ${meta.name} (a ${meta.name}Input) per line`,
                // moved up to the media type by plugins/openapi.ts, where OpenAPI reads it
                'x-oai-itemSchema': ref(`${meta.name}Input`)
              }
            }
          }
        },
        response: {
          200: ImportReport,
          400: problem('batchSize is not a positive integer, or a line is longer than the server accepts'),
          401: problem('An API key is required (when the server has keys configured) and was missing or wrong'),
          403: problem('The API key lacks scope write or this entity'),
          415: problem('The body is not application/x-ndjson'),
          503: problem('The store is unavailable; the detail says which line to resume after')
        }
      }
    },
    async function importLines (request, reply) {
      // The parser above hands over the stream: config.accepts let no other media type through.
      const body = request.body as unknown as Readable
      // Not pipeline(): it would destroy the request on a bad line, and with it the answer.
      const lines = split2({ maxLength: maxLineBytes })
      body.on('error', function forward (error) {
        lines.destroy(error)
      })
      try {
        const batchSize = Math.min(request.query.batchSize, maxBulk)
        return await importNdjson(api, body.pipe(lines), { batchSize, ...sourceOption(request.query) })
      } catch (error) {
        // The rest of the body is not read: close the connection rather than drain it.
        reply.header('connection', 'close')
        if ((error as Error).message.startsWith('maximum buffer reached')) {
          throw new BadRequestError(
            `a line is longer than ${maxLineBytes} bytes ` +
              `(BODY_LIMIT)${(error as Error).message.slice('maximum buffer reached'.length)}`
          )
        }
        throw error
      }
    }
  )
}

export function registerImportRoutes (app: FastifyInstance, limits: ImportLimits): void {
  for (const meta of app.relata.metadata.all()) {
    app.register(importRoute, { prefix: `/api/${meta.route}`, meta, ...limits })
  }
}
