// Resolves the single relationship meant by getParent / getChildren, and explains an
// ambiguous or impossible call in terms of the calls that would work.
import { BadRequestError } from '../errors.js'
import type { ChildRelationship, EntityMetadata, ParentRelationship } from '../metadata/types.js'

export function pickParent (meta: EntityMetadata, property?: string): ParentRelationship {
  const candidates = property === undefined ? meta.parents : meta.parents.filter(p => p.property === property)
  if (candidates.length === 1) return candidates[0]!
  const listed = meta.parents.map(p => `'${p.property}' (→ ${p.target})`).join(', ')
  if (meta.parents.length === 0) throw new BadRequestError(`${meta.name} has no parent relationships`)
  if (property !== undefined) {
    throw new BadRequestError(`${meta.name} has no parent property '${property}'; its parent properties are ${listed}`)
  }
  throw new BadRequestError(
    `${meta.name} has ${meta.parents.length} parent properties, ${listed}; name one: getParent(doc, ` +
      `'${meta.parents[0]!.property}')`
  )
}

export function pickChildren (meta: EntityMetadata, child?: string, property?: string): ChildRelationship {
  const candidates = meta.children.filter(
    c => (child === undefined || c.child === child) && (property === undefined || c.property === property)
  )
  if (candidates.length === 1) return candidates[0]!
  const listed = meta.children.map(c => c.key).join(', ')
  if (meta.children.length === 0) throw new BadRequestError(`${meta.name} has no child relationships`)
  if (candidates.length === 0) {
    throw new BadRequestError(
      `${meta.name} has no child relationship ${[child, property].filter(Boolean).join('.')}; its child ` +
        `relationships are ${listed}`
    )
  }
  const example = candidates[0]!
  throw new BadRequestError(
    `${meta.name} has ${candidates.length} matching child relationships (${candidates.map(c => c.key).join(', ')}); ` +
      `name one: getChildren(doc, '${example.child}', '${example.property}')`
  )
}
