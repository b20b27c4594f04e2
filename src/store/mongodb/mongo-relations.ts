// The stages that filter a collection by a Condition, relation conditions included. A filter
// without one is a single `$match`. With relations, the plain parts of a top-level AND are
// matched first (indexes serve them, fewer documents to join), then each document is wrapped
// in `doc` (so the joined fields can never collide with a stored field), each relation gets a
// `$lookup` on the child collection through its ref index that keeps at most one matching child,
// the rest of the filter tests those joined fields, and the document is unwrapped again.
import { heldKey, type Condition } from '../filter.js'
import type { Document } from './driver-surface.js'
import { filterQuery, storedPath, type Relation } from './mongo-filter.js'
import { isSemiJoin } from '../semi-join.js'

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
  checkRef.check(relation.child, relation.refProperty)
  const ref = storedPath(relation.refProperty).stored
  if (isSemiJoin(relation, checkRef.indexed(relation.child))) return semiJoinStage(relation, ref, as, checkRef)
  return {
    $lookup: {
      from: relation.child,
      localField: `doc.${storedPath(heldKey(relation)).stored}`,
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

/**
 * A selective `$some` (semi-join.ts): an uncorrelated `$lookup`, which MongoDB runs once per
 * aggregation, gathers the distinct string references of the matching children (read through the
 * index their condition pins), and each document is kept when its id is among them, in the same
 * round trip instead of a probe of the children of every document.
 */
function semiJoinStage (relation: Relation, ref: string, as: string, checkRef: CheckRef): Document {
  return {
    $lookup: {
      from: relation.child,
      pipeline: [
        ...filterStages(relation.condition, checkRef),
        { $match: { [ref]: { $type: 'string', $not: { $type: 'array' } } } },
        { $group: { _id: `$${ref}` } }
      ],
      as
    }
  }
}

/**
 * Whether the wrapped document has the children joined `as`. Through a parent key, only a string
 * key value can be referenced: `$lookup` would take a missing key for null (and join children
 * without a reference) and an array key by its elements, so the key's type is tested too.
 */
function joinedTest (relation: Relation, as: string, checkRef: CheckRef): Document {
  const key = `doc.${storedPath(heldKey(relation)).stored}`
  const test = isSemiJoin(relation, checkRef.indexed(relation.child))
    ? { $expr: { $in: [`$${key}`, `$${as}._id`] } }
    : { [as]: { $size: relation.op === 'some' ? 1 : 0 } }
  if (heldKey(relation) === 'id') return test
  const isString = { [key]: { $type: 'string', $not: { $type: 'array' } } }
  return relation.op === 'some' ? { $and: [isString, test] } : { $or: [{ $nor: [isString] }, test] }
}

/** What relation stages need to know of the children's entities. */
export interface CheckRef {
  /** Throws unless `refProperty` is a declared ref property of the entity `child`. */
  check: (child: string, refProperty: string) => void
  /** The properties of `child` an index serves: its id and its ref properties. */
  indexed: (child: string) => ReadonlySet<string>
}

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
      return joinedTest(relation, as, checkRef)
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
