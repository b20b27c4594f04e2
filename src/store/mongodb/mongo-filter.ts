// Translates a filter Condition into a MongoDB query document. The condition tree is the only
// input, so only the operators written below ever reach the driver (the whitelist), and field
// paths and operands are checked again here. Guards make MongoDB agree with the other stores:
// a path reads through plain objects only (MongoDB would also look inside arrays), so `$type`
// guards keep arrays from matching by one of their elements, and negations are `$nor`s of the
// positive test, which are exact complements.
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
  if (path.isId) return { _id: { $eq: value } }
  // MongoDB keeps types apart in $eq (1 ≠ '1' ≠ true) but would match [1] against 1
  return guarded(path, { $eq: value, $not: IS_ARRAY })
}

function oneOf (path: Path, values: readonly Scalar[]): Document {
  const others = values.map(checkScalar).filter(value => value !== null)
  const parts: Document[] = []
  if (others.length > 0) parts.push(path.isId ? { _id: { $in: others } } : guarded(path, { $in: others, $not: IS_ARRAY }))
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
  if (typeof value !== 'string' && typeof value !== 'number') throw new Error(`mongodb store: cannot compare with ${JSON.stringify(value)}`)
  // MongoDB compares only within a type (numbers with numbers, strings bytewise with strings)
  const test = { [COMPARISON[op]]: value }
  return path.isId ? { _id: test } : guarded(path, { ...test, $not: IS_ARRAY })
}

export function filterQuery (condition: Condition | undefined): Document {
  if (condition === undefined) return {}
  switch (condition.op) {
    case 'and':
      return condition.conditions.length === 0 ? {} : { $and: condition.conditions.map(filterQuery) }
    case 'or':
      return condition.conditions.length === 0 ? MATCH_NOTHING : { $or: condition.conditions.map(filterQuery) }
    case 'eq': return equals(storedPath(condition.field), condition.value)
    case 'ne': return { $nor: [equals(storedPath(condition.field), condition.value)] }
    case 'gt': case 'gte': case 'lt': case 'lte':
      return compare(condition.op, storedPath(condition.field), condition.value)
    case 'in': return oneOf(storedPath(condition.field), condition.values)
    case 'nin': return { $nor: [oneOf(storedPath(condition.field), condition.values)] }
    case 'exists': return exists(storedPath(condition.field), condition.value)
    default:
      throw new Error(`mongodb store: unsupported filter operator '${(condition as { op: string }).op}'`)
  }
}
