// GET /api/_model: the relationship metadata (entities, parents, children, routes) for clients
// and tools that adapt to the model instead of hard-coding it; for an API key limited to some
// entities, only those and the relationships between them.
import type { FastifyPluginAsync } from 'fastify'
import { Type } from 'typebox'
import { describeModel, type ModelDescription } from '../src/metadata/model-description.js'
import { problem } from './schemas.js'

const Names = (description: string) => Type.Array(Type.String(), { description })

export const ModelSchema = Type.Object({
  entities: Type.Array(Type.Object({
    name: Type.String({ description: 'Entity name, as used in `with` and in graphs' }),
    route: Type.String({ description: 'Path segment under /api' }),
    properties: Names('Top-level properties'),
    required: Names('Properties every document has'),
    parents: Type.Array(Type.Object({
      property: Type.String({ description: 'Reference property of this entity' }),
      target: Type.String({ description: 'Entity it points at' })
    }), { description: 'Entities this one references' }),
    children: Type.Array(Type.Object({
      child: Type.String({ description: 'Entity that references this one' }),
      property: Type.String({ description: 'Its reference property' }),
      key: Type.String({ description: '`Child.property`, as named in `with` and `meta.children`' })
    }), { description: 'Entities that reference this one' }),
    routes: Type.Object({
      list: Type.String({ description: 'GET a page, POST to create' }),
      stream: Type.String({ description: 'GET every match as NDJSON' }),
      item: Type.String({ description: 'GET, PUT, PATCH, DELETE one by id' }),
      import: Type.String({ description: 'POST NDJSON to upsert in batches' })
    }, { description: 'Where the entity is served' })
  }), { description: 'Every entity of the model, in declaration order' })
}, { description: 'The model and its relationships' })

const modelRoutes: FastifyPluginAsync = async function modelRoutes (app) {
  const model = describeModel(app.relata.metadata)
  // one description per entity list: as many as API_KEYS has keys
  const scoped = new Map<string, ModelDescription>()
  app.get('/api/_model', {
    schema: {
      tags: ['Model'],
      operationId: 'getModel',
      summary: 'The model: entities, their parents, children and routes',
      description: 'The relationship metadata the server derived from the model at start-up; it does not change while the server runs. /docs/model draws it as a diagram. An API key limited to some entities sees only those, and only the relationships between them.',
      response: {
        200: ModelSchema,
        401: problem('An API key is required (when the server has keys configured) and was missing or wrong')
      }
    }
  }, async function getModel (request) {
    const scope = request.entityScope
    if (!scope.limited) return model
    let described = scoped.get(scope.cacheKey)
    if (described === undefined) scoped.set(scope.cacheKey, described = describeModel(app.relata.metadata, scope))
    return described
  })
}

export default modelRoutes
