// Query-string and path schemas of the entity routes, described for OpenAPI and validated
// (with coercion of numbers) by Fastify before a handler runs.
import { Type } from 'typebox'
import { MAX_WITH_LENGTH, validWithNames } from '../src/graph/parse-with.js'
import { MAX_FILTER_LENGTH } from '../src/entities/query.js'
import type { EntityMetadata } from '../src/metadata/types.js'

export const MAX_PAGE_SIZE = 1000

export const IdParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 256, description: 'Id of the document' })
})

export function withParam (meta: EntityMetadata) {
  const names = validWithNames(meta)
  return Type.Optional(Type.String({
    maxLength: MAX_WITH_LENGTH,
    description: `Relationships to load with each ${meta.name}: \`all\`, or a comma list of ${names.slice(1).map(n => `\`${n}\``).join(', ') || '(none: this entity has no relationships)'}. Parents are keyed by reference property, children by child entity and reference property.`,
    examples: ['all']
  }))
}

export function readQuery (meta: EntityMetadata) {
  return Type.Object({
    filter: Type.Optional(Type.String({
      maxLength: MAX_FILTER_LENGTH,
      description: 'JSON filter, a MongoDB-like subset: {"field": value}, $eq $ne $gt $gte $lt $lte $in $nin $exists, $and $or; dotted paths reach nested properties',
      examples: ['{"status":"paid","total":{"$gte":100}}']
    })),
    sort: Type.Optional(Type.String({
      maxLength: 512,
      description: `Comma list of properties, \`-\` for descending; id breaks ties. Properties: ${meta.properties.join(', ')}`,
      examples: ['-total,id']
    })),
    with: withParam(meta)
  })
}

export function listQuery (meta: EntityMetadata) {
  return Type.Object({
    ...readQuery(meta).properties,
    page: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1, description: '1-based page number' }),
    size: Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 50, description: `Documents per page, at most ${MAX_PAGE_SIZE}` })
  })
}
