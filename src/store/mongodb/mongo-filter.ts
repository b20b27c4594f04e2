// Translates a filter Condition into a MongoDB query document. The condition tree is the only
// input, so only the operators written below ever reach the driver (the whitelist), and field
// paths and operands are checked again here. Guards make MongoDB agree with the other stores:
// a path reads through plain objects only (MongoDB would also look inside arrays), so `$type`
// guards keep arrays from matching by one of their elements, and negations are `$nor`s of the
// positive test, which are exact complements. Relation conditions are answered by `$lookup`
// stages (mongo-relations.ts): here, within a scope, they become tests of the joined fields.
import type { Condition, Scalar } from '../filter.js'
import type { Document } from './driver-surface.js'

const PATH_SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$/
const IS_ARRAY = { $type: 'array' }
/** Matches no document: every document has an `_id`, and none is in the empty list. */
export const MATCH_NOTHING: Document = { _id: { $in: [] } }

const COMPARISON = { gt: '$gt', gte: '$gte', lt: '$lt', lte: '$lte' } as const

interface Path {
  isId: boolean
  /** The dotted path as stored: `id` is kept in `_id`. */
  stored: string
  /** Conditions that every prefix of the path is a plain object (not an array). */
  guards: Document[]
}

export type Relation = Extract<Condition, { op: 'some' | 'none' }>

/** Where a filter reads: documents as stored, or wrapped in `doc` beside joined relation fields. */
export interface FilterScope {
  /** Put before every stored path: '' or 'doc.'. */
  prefix: string
  /** The test of one relation condition on the joined fields. */
  relation: (condition: Relation) => Document
}

const STORED: FilterScope = {
  prefix: '',
  relation () {
    throw new Error('mongodb store: a relation condition needs the $lookup stages of filterStages')
  }
}

/** Checks a property path; `id` maps to `_id`, which the store owns. */
export function storedPath (field: string): Path {
  if (field === 'id') return { isId: true, stored: '_id', guards: [] }
  const segments = field.split('.')
  if (!segments.every(segment => PATH_SEGMENT.test(segment)) || segments[0] === '_id') {
    throw new Error(`mongodb store: '${field}' is not a property path`)
  }
  const guards = segments.slice(0, -1).map((_, i) => ({
    [segments.slice(0, i + 1).join('.')]: { $type: 'object', $not: IS_ARRAY }
  }))
  return { isId: false, stored: field, guards }
}

function checkScalar (value: unknown): Scalar {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return value as Scalar
  throw new Error(`mongodb store: filter operand ${JSON.stringify(value)} is not a scalar`)
}

function guarded (path: Path, test: Document): Document {
  const leaf = { [path.stored]: test }
  return path.guards.length === 0 ? leaf : { $and: [...path.guards, leaf] }
}

/** The value at the path is anything but null or missing (arrays holding null included). */
function present (path: Path): Document {
  return {
    $and: [...path.guards, {
      $or: [{ [path.stored]: IS_ARRAY }, { [path.stored]: { $exists: true, $not: { $type: 'null' } } }]
    }]
  }
}

function equals (path: Path, value: Scalar): Document {
  checkScalar(value)
  if (value === null) return path.isId ? MATCH_NOTHING : { $nor: [present(path)] }
  if (path.isId) return { [path.stored]: { $eq: value } }
  // MongoDB keeps types apart in $eq (1 ≠ '1' ≠ true) but would match [1] against 1
  return guarded(path, { $eq: value, $not: IS_ARRAY })
}

function oneOf (path: Path, values: readonly Scalar[]): Document {
  const others = values.map(checkScalar).filter(value => value !== null)
  const parts: Document[] = []
  if (others.length > 0) {
    parts.push(path.isId ? { [path.stored]: { $in: others } } : guarded(path, { $in: others, $not: IS_ARRAY }))
  }
  // MongoDB's `$in: [null]` also matches arrays holding null; the null case is spelled out
  if (values.includes(null) && !path.isId) parts.push(equals(path, null))
  if (parts.length === 0) return MATCH_NOTHING
  return parts.length === 1 ? parts[0]! : { $or: parts }
}

function exists (path: Path, value: boolean): Document {
  if (path.isId) return value ? {} : MATCH_NOTHING
  const test = guarded(path, { $exists: true })
  return value ? test : { $nor: [test] }
}

function compare (op: keyof typeof COMPARISON, path: Path, value: string | number): Document {
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new Error(`mongodb store: cannot compare with ${JSON.stringify(value)}`)
  }
  // MongoDB compares only within a type (numbers with numbers, strings bytewise with strings)
  const test = { [COMPARISON[op]]: value }
  return path.isId ? { [path.stored]: test } : guarded(path, { ...test, $not: IS_ARRAY })
}

function scoped (field: string, scope: FilterScope): Path {
  const path = storedPath(field)
  if (scope.prefix === '') return path
  const prefix = (document: Document): Document =>
    Object.fromEntries(Object.entries(document).map(([key, test]) => [scope.prefix + key, test]))
  return { isId: path.isId, stored: scope.prefix + path.stored, guards: path.guards.map(prefix) }
}

export function filterQuery (condition: Condition | undefined, scope: FilterScope = STORED): Document {
  if (condition === undefined) return {}
  const path = (field: string): Path => scoped(field, scope)
  switch (condition.op) {
    case 'and':
      return condition.conditions.length === 0
        ? {}
        : { $and: condition.conditions.map(part => filterQuery(part, scope)) }
    case 'or':
      return condition.conditions.length === 0
        ? MATCH_NOTHING
        : { $or: condition.conditions.map(part => filterQuery(part, scope)) }
    case 'eq': return equals(path(condition.field), condition.value)
    case 'ne': return { $nor: [equals(path(condition.field), condition.value)] }
    case 'gt': case 'gte': case 'lt': case 'lte':
      return compare(condition.op, path(condition.field), condition.value)
    case 'in': return oneOf(path(condition.field), condition.values)
    case 'nin': return { $nor: [oneOf(path(condition.field), condition.values)] }
    case 'exists': return exists(path(condition.field), condition.value)
    case 'some': case 'none': return scope.relation(condition)
    default:
      throw new Error(`mongodb store: unsupported filter operator '${(condition as { op: string }).op}'`)
  }
}
