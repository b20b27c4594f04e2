// The model as data for clients and tools (GET /api/_model): each entity with its properties,
// its parents and children, and the routes that serve it. Under an entity scope, only the
// entities inside it and the relationships between them: what that caller can read.
import { indexName } from './declared-indexes.js'
import { EntityScope } from './entity-scope.js'
import type { RelationshipMetadata } from './relationship-metadata.js'
import type { EntityMetadata } from './types.js'

export interface ModelDescription {
  entities: EntityDescription[]
}

export interface EntityDescription {
  name: string
  route: string
  /** Top-level properties that responses show. */
  properties: string[]
  /** Of those, the ones every document has. */
  required: string[]
  parents: Array<{ property: string, target: string }>
  children: Array<{ child: string, property: string, key: string }>
  routes: { list: string, stream: string, item: string, import: string }
  /** Declared indexes, each as a sort parameter names its keys (`status,-createdAt`). */
  indexes: string[]
  /** Unique keys, each its properties joined by commas (`region,code`). */
  uniqueKeys: string[]
}

export function describeModel (metadata: RelationshipMetadata, scope = EntityScope.EVERY): ModelDescription {
  return { entities: metadata.all().filter(e => scope.allows(e.name)).map(e => describeEntity(e, scope)) }
}

function describeEntity (meta: EntityMetadata, scope: EntityScope): EntityDescription {
  const base = `/api/${meta.route}`
  return {
    name: meta.name,
    route: meta.route,
    properties: [...meta.properties],
    // Hidden properties (x-internal, writeOnly) are not named, as no response shows them.
    required: requiredOf(meta).filter(p => meta.properties.includes(p)),
    parents: meta.parents.filter(p => scope.allows(p.target))
      .map(p => ({ property: p.property, target: p.target })),
    children: meta.children.filter(c => scope.allows(c.child))
      .map(c => ({ child: c.child, property: c.property, key: c.key })),
    routes: { list: base, stream: `${base}/stream`, item: `${base}/{id}`, import: `${base}/import` },
    indexes: meta.indexes.map(indexName),
    uniqueKeys: meta.uniqueKeys.map(key => key.join(','))
  }
}

export function requiredOf (meta: EntityMetadata): string[] {
  const required = meta.schema.required
  return Array.isArray(required) ? required.filter((r): r is string => typeof r === 'string') : []
}
