// GET /api/_model: the relationship metadata (entities, parents, children, routes) for clients
// and tools that adapt to the model instead of hard-coding it, and /api/_model/diagram, the same
// as a Mermaid diagram (what /docs/model draws for a key). For an API key limited to some
// entities, both show only those and the relationships between them.
import type { FastifyPluginAsync } from 'fastify'
import { Type } from 'typebox'
import type { EntityScope } from '../src/metadata/entity-scope.js'
import { erDiagram } from '../src/metadata/er-diagram.js'
import { describeModel, type ModelDescription } from '../src/metadata/model-description.js'
import { problem } from './schemas.js'

const MERMAID = 'text/vnd.mermaid'
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
    }, { description: 'Where the entity is served' }),
    indexes: Names('Declared indexes (`x-index`, `x-indexes`), each its keys as `sort` writes them, e.g. ' +
      '`status,-createdAt`: filters on a first key and sorts that begin with an index read it'),
    uniqueKeys: Names('Unique keys (`x-unique`, `x-unique-keys`), each its properties joined by commas, e.g. ' +
      '`sku` or `region,code`: no two documents hold the same values')
  }), { description: 'Every entity of the model, in declaration order' })
}, { description: 'The model and its relationships' })

const SCOPED = 'An API key limited to some entities sees only those, and only the references between them.'
const DESCRIPTION = {
  model: 'The relationship metadata the server derived from the model at start-up; it does not change while ' +
    `the server runs. /docs/model draws it as a diagram. ${SCOPED}`,
  diagram: `The diagram /docs/model draws: one box per entity with its properties, one line per reference. ${SCOPED}`
}

const unauthorized = problem('An API key is required (when the server has keys configured) and was missing or wrong')

/** One answer per entity scope: as many as API_KEYS has entity lists, plus the whole model. */
function perScope<T> (make: (scope: EntityScope) => T): (scope: EntityScope) => T {
  const made = new Map<string, T>()
  return function forScope (scope) {
    let answer = made.get(scope.cacheKey)
    if (answer === undefined) made.set(scope.cacheKey, answer = make(scope))
    return answer
  }
}

const modelRoutes: FastifyPluginAsync = async function modelRoutes (app) {
  const model = perScope<ModelDescription>(scope => describeModel(app.relata.metadata, scope))
  const diagram = perScope<string>(scope => erDiagram(app.relata.metadata, scope))
  app.get('/api/_model', {
    schema: {
      tags: ['Model'],
      operationId: 'getModel',
      summary: 'The model: entities, their parents, children and routes',
      description: DESCRIPTION.model,
      response: { 200: ModelSchema, 401: unauthorized }
    }
  }, async function getModel (request) {
    return model(request.entityScope)
  })
  app.get('/api/_model/diagram', {
    schema: {
      tags: ['Model'],
      operationId: 'getModelDiagram',
      summary: 'The model as a Mermaid entity-relationship diagram',
      description: DESCRIPTION.diagram,
      produces: [MERMAID],
      response: {
        200: { description: 'Mermaid `erDiagram` text', content: { [MERMAID]: { schema: Type.String() } } },
        401: unauthorized
      }
    }
  }, async function getModelDiagram (request, reply) {
    return reply.type(`${MERMAID}; charset=utf-8`).send(diagram(request.entityScope))
  })
}

export default modelRoutes
