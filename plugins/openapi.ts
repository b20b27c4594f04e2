// OpenAPI 3.1 from the route schemas (@fastify/swagger) and Swagger UI at /docs, served from
// the package's own assets. Shared schemas keep their $id as the component name.
import fp from 'fastify-plugin'
import type { FastifySchema } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { RelationshipMetadata } from '../src/metadata/relationship-metadata.js'
import { modelSchemas } from '../routes/schemas.js'
import { withCommonAnswers } from '../routes/common-answers.js'
import { forTryingOut } from '../routes/try-it-out.js'

export interface OpenApiOptions {
  metadata: RelationshipMetadata
  version: string
  /** Whether API keys are configured (plugins/auth.ts). */
  secured?: boolean
}

export default fp<OpenApiOptions>(async function openApiPlugin (app, { metadata, version, secured = false }) {
  for (const schema of modelSchemas(metadata)) app.addSchema(schema)
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Relata API',
        version,
        description:
          'Entities of the model, each with list, NDJSON stream, get, writes and NDJSON import. Any read can load ' +
            'related entities in one request with `?with=`. The model is drawn at [/docs/model](/docs/model).',
        license: { name: 'MIT', identifier: 'MIT' }
      },
      servers: [{ url: '/', description: 'The server that serves this document' }],
      components: {
        securitySchemes: {
          apiKey: {
            type: 'apiKey',
            in: 'header',
            name: 'X-API-Key',
            description: 'An API key from API_KEYS; required only when the server has keys configured'
          },
          bearer: { type: 'http', scheme: 'bearer', description: 'The same API key as a bearer token' }
        }
      },
      // The schemes are always declared; they are required only when API_KEYS is set.
      security: secured ? [{ apiKey: [] }, { bearer: [] }] : [],
      tags: [
        { name: 'System', description: 'Health, metrics' },
        { name: 'Model', description: 'The entities and their relationships' },
        ...metadata.all().map(e => ({ name: e.name, description: `${e.name} documents under /api/${e.route}` }))
      ]
    },
    // Lists are served at /api/orders and /api/orders/; the document names the one without slash.
    transform: function forClients ({ schema, url, route }) {
      const path = url.length > 1 && url.endsWith('/') ? url.slice(0, -1) : url
      return { schema: withCommonAnswers(withOptionalDefaults(schema), route, path), url: path }
    },
    transformObject: document =>
      'openapiObject' in document ? liftItemSchemas(document.openapiObject) : document.swaggerObject,
    refResolver: {
      buildLocalReference (json, _baseUri, _fragment, i) {
        return typeof json.$id === 'string' ? json.$id : `def-${i}`
      }
    }
  })
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // "Try it out" prefills the id only: see routes/try-it-out.ts
    transformSpecification: forTryingOut,
    staticCSP: true,
    // Swagger UI sets style attributes (syntax highlighting of responses); its scripts stay hash-pinned.
    transformStaticCSP: header => header.replace(/style-src [^;]*;/, "style-src 'self' https: 'unsafe-inline';")
  })
}, { name: 'relata-openapi', fastify: '5.x' })

/** A query parameter with a default may be omitted: say so, though validation fills it in. */
function withOptionalDefaults (schema: FastifySchema): FastifySchema {
  const query = schema?.querystring as
    { properties?: Record<string, { default?: unknown }>, required?: string[] } | undefined
  if (query?.required === undefined) return schema
  const required = query.required.filter(name => query.properties?.[name]?.default === undefined)
  return { ...schema, querystring: { ...query, required } }
}

interface MediaType { schema?: Record<string, unknown>, 'x-oai-itemSchema'?: unknown }
type Operation = { requestBody?: { content?: Record<string, MediaType> } } & Record<string, unknown>

/**
 * @fastify/swagger keeps only the schema of a request body's media type: an `x-oai-itemSchema`
 * given inside it (the schema of each line of NDJSON) is moved up to the media type.
 */
function liftItemSchemas<T> (document: T): T {
  const paths = (document as { paths?: Record<string, Record<string, Operation>> }).paths ?? {}
  for (const operation of Object.values(paths).flatMap(item => Object.values(item))) {
    for (const media of Object.values(operation.requestBody?.content ?? {})) {
      const item = media.schema?.['x-oai-itemSchema']
      if (item === undefined) continue
      const { 'x-oai-itemSchema': _lifted, ...schema } = media.schema!
      media.schema = schema
      media['x-oai-itemSchema'] = item
    }
  }
  return document
}
