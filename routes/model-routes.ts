// GET /api/_model: the relationship metadata (entities, parents, children, routes) for clients
// and tools that adapt to the model instead of hard-coding it.
import type { FastifyPluginAsync } from 'fastify'
import { Type } from 'typebox'
import { describeModel } from '../src/metadata/model-description.js'
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
  app.get('/api/_model', {
    schema: {
      tags: ['Model'],
      operationId: 'getModel',
      summary: 'The model: entities, their parents, children and routes',
      description: 'The relationship metadata the server derived from the model at start-up; it does not change while the server runs. /docs/model draws it as a diagram.',
      response: {
        200: ModelSchema,
        401: problem('An API key is required (when the server has keys configured) and was missing or wrong'),
        403: problem('The API key is limited to some entities, so it may not read the whole model')
      }
    }
  }, async function getModel () {
    return model
  })
}

export default modelRoutes
