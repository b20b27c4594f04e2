// OpenAPI 3.1 from the route schemas (@fastify/swagger) and Swagger UI at /docs, served from
// the package's own assets. Shared schemas keep their $id as the component name.
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { RelationshipMetadata } from '../src/metadata/relationship-metadata.js'
import { modelSchemas } from '../routes/schemas.js'

export interface OpenApiOptions {
  metadata: RelationshipMetadata
  version: string
}

export default fp<OpenApiOptions>(async function openApiPlugin (app, { metadata, version }) {
  for (const schema of modelSchemas(metadata)) app.addSchema(schema)
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Relata API',
        version,
        description: 'Entities of the model, each with list, NDJSON stream, get and writes. Any read can load related entities in one request with `?with=`.'
      },
      tags: [{ name: 'System', description: 'Health, metrics' }, ...metadata.all().map(e => ({ name: e.name, description: `${e.name} documents under /api/${e.route}` }))]
    },
    refResolver: {
      buildLocalReference (json, _baseUri, _fragment, i) {
        return typeof json.$id === 'string' ? json.$id : `def-${i}`
      }
    }
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
}, { name: 'relata-openapi', fastify: '5.x' })
