// The stages that filter a collection by a Condition, relation conditions included. A filter
// without one is a single `$match`. With relations, the plain parts of a top-level AND are
// matched first (indexes serve them, fewer documents to join), then each document is wrapped
// in `doc` (so the joined fields can never collide with a stored field), each relation gets a
// `$lookup` on the child collection through its ref index that keeps at most one matching child,
// the rest of the filter tests those joined fields, and the document is unwrapped again.
import type { Condition } from '../filter.js'
import type { Document } from './driver-surface.js'
import { filterQuery, storedPath, type Relation } from './mongo-filter.js'

function hasRelation (condition: Condition): boolean {
  if (condition.op === 'some' || condition.op === 'none') return true
  return (condition.op === 'and' || condition.op === 'or') && condition.conditions.some(hasRelation)
}

function all (conditions: Condition[]): Condition {
  return conditions.length === 1 ? conditions[0]! : { op: 'and', conditions }
}

/**
 * A child of the wrapped document's id through `refProperty`, matching the relation's condition
 * (with lookups of its own when it nests): a string reference only, as in every store. MongoDB
 * would also join a child whose reference is an array holding the id; the first `$match` says no.
 */
function lookupStage (relation: Relation, as: string, checkRef: CheckRef): Document {
  checkRef(relation.child, relation.refProperty)
  const ref = storedPath(relation.refProperty).stored
  return {
    $lookup: {
      from: relation.child,
      localField: 'doc._id',
      foreignField: ref,
      pipeline: [
        { $match: { [ref]: { $not: { $type: 'array' } } } },
        ...(relation.condition === undefined ? [] : filterStages(relation.condition, checkRef)),
        { $limit: 1 },
        { $project: { _id: 1 } }
      ],
      as
    }
  }
}

/** Throws unless `refProperty` is a declared ref property of the entity `child`. */
export type CheckRef = (child: string, refProperty: string) => void

/** Stages that keep the documents matching `condition`, leaving them as they are. */
export function filterStages (condition: Condition | undefined, checkRef: CheckRef): Document[] {
  if (condition === undefined || !hasRelation(condition)) return [{ $match: filterQuery(condition) }]
  const conjuncts = condition.op === 'and' ? condition.conditions : [condition]
  const plain = conjuncts.filter(part => !hasRelation(part))
  const lookups: Document[] = []
  const match = filterQuery(all(conjuncts.filter(hasRelation)), {
    prefix: 'doc.',
    relation (relation) {
      const as = `r${lookups.length}`
      lookups.push(lookupStage(relation, as, checkRef))
      return { [as]: { $size: relation.op === 'some' ? 1 : 0 } }
    }
  })
  return [
    ...(plain.length === 0 ? [] : [{ $match: filterQuery(all(plain)) }]),
    { $replaceWith: { doc: '$$ROOT' } },
    ...lookups,
    { $match: match },
    { $replaceWith: '$doc' }
  ]
}
