// Filters: a MongoDB-like JSON subset parsed into a small condition tree. Adapters translate
// the tree, never the raw input, so only whitelisted operators can reach a store. A key may
// also name a child relationship (`{"OrderItem": {"$some": {...}}}`): its operand is a filter
// on the child entity, parsed here with the child's properties, so relation filters nest.
import { BadRequestError } from '../errors.js'
import { resolvePath } from '../metadata/property-paths.js'
import { EntityScope } from '../metadata/entity-scope.js'
import type { RelationshipMetadata } from '../metadata/relationship-metadata.js'
import { childRelationshipNames, type ChildRelationship, type EntityMetadata } from '../metadata/types.js'

export type Scalar = string | number | boolean | null

export type Condition =
  | { op: 'and' | 'or', conditions: Condition[] }
  | { op: 'eq' | 'ne', field: string, value: Scalar }
  | { op: 'gt' | 'gte' | 'lt' | 'lte', field: string, value: string | number }
  | { op: 'in' | 'nin', field: string, values: Scalar[] }
  | { op: 'exists', field: string, value: boolean }
  /**
   * Some (or no) document of `child` has `refProperty` equal to this document's id (a string
   * reference, never an array) and matches `condition` (any child when it is absent). With
   * `parentKey` (a reference through `x-parent-key`), the reference equals this document's value
   * of that single-property unique key instead, when the value is a string.
   */
  | { op: 'some' | 'none', child: string, refProperty: string, parentKey?: string, condition?: Condition }

type Relation = Extract<Condition, { op: 'some' | 'none' }>

/** The parent property a relation's child references hold: `id`, or the key named by `parentKey`. */
export function heldKey (relation: Relation): string {
  return relation.parentKey ?? 'id'
}

export interface FilterLimits {
  maxDepth: number
  maxConditions: number
  maxInValues: number
}

export const DEFAULT_FILTER_LIMITS: FilterLimits = { maxDepth: 6, maxConditions: 64, maxInValues: 1000 }

const COMPARISONS = { $gt: 'gt', $gte: 'gte', $lt: 'lt', $lte: 'lte' } as const
const OPERATORS = ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists', '$and', '$or']
const RELATION_OPERATORS = { $some: 'some', $none: 'none' } as const
const PATH_SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$/

/**
 * Parses a filter object on the entity `meta`. A key is one of its properties, or a dotted path
 * (`address.city`) whose first segment is one, or one of its child relationships: a child
 * entity (`OrderItem`, through any of its references to `meta`) or one reference
 * (`Book.coAuthorId`). Child relationships need `model`, which knows the children's properties.
 * The limits hold across the whole tree, relation filters included. A child relationship to an
 * entity outside `scope` is refused: its filter would tell what the caller may not read.
 */
export function parseFilter (raw: unknown, meta: EntityMetadata, model?: RelationshipMetadata,
  limits: FilterLimits = DEFAULT_FILTER_LIMITS, scope = EntityScope.EVERY): Condition {
  return parseObject(raw, '', 1, meta, { count: 0, limits, model, scope })
}

interface ParseState {
  count: number
  limits: FilterLimits
  model: RelationshipMetadata | undefined
  scope: EntityScope
}

function fail (path: string, message: string): never {
  throw new BadRequestError(`invalid filter: ${message}`, [{ path: path || '/', message }])
}

function isPlainObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function parseObject (raw: unknown, path: string, depth: number, meta: EntityMetadata, state: ParseState): Condition {
  if (!isPlainObject(raw)) fail(path, 'expected a JSON object')
  if (depth > state.limits.maxDepth) fail(path, `nested deeper than ${state.limits.maxDepth} levels`)
  const conditions: Condition[] = []
  for (const [key, value] of Object.entries(raw)) {
    const at = `${path}/${key}`
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(value) || value.length === 0) fail(at, `${key} takes a non-empty array of filters`)
      conditions.push({
        op: key === '$and' ? 'and' : 'or',
        conditions: value.map((v, i) => parseObject(v, `${at}/${i}`, depth + 1, meta, state))
      })
    } else if (key.startsWith('$')) {
      fail(at, `unsupported operator '${key}' at the top of a filter; use one of ${OPERATORS.join(' ')} inside a field`)
    } else {
      const relations = meta.children.filter(c => c.child === key || c.key === key)
      if (relations.length > 0) conditions.push(parseRelation(key, relations, value, at, depth, state))
      else conditions.push(...parseField(key, value, at, meta, state))
    }
  }
  return conditions.length === 1 ? conditions[0]! : { op: 'and', conditions }
}

function checkField (field: string, path: string, meta: EntityMetadata): void {
  const segments = field.split('.')
  if (!segments.every(s => PATH_SEGMENT.test(s))) fail(path, `'${field}' is not a property path`)
  if (!meta.properties.includes(segments[0]!)) {
    const relations = childRelationshipNames(meta)
    fail(path, `unknown property '${segments[0]}'; filterable properties are ${meta.properties.join(', ')}` +
      (relations.length === 0 ? '' : `; child relationships (with $some or $none) are ${relations.join(', ')}`))
  }
  // a path the schema rules out would silently match nothing: name it and what is there instead
  const resolved = resolvePath(meta, field)
  if (!resolved.ok) fail(path, `unknown property path '${field}': ${resolved.problem}`)
}

/**
 * `{"$some": {...}}` or `{"$none": {...}}` on a child relationship. A child entity with several
 * references to this entity stands for all of them: $some through any, $none through none.
 */
function parseRelation (key: string, relations: readonly ChildRelationship[], value: unknown, path: string,
  depth: number, state: ParseState): Condition {
  const child = relations[0]!.child
  state.scope.check(child, `the relation filter on ${key}`, path || '/')
  const usage = `${key} is a child relationship: give {"$some": filter} or {"$none": filter}, the filter ` +
    `on ${child} ({} for any ${child})`
  const entries = isPlainObject(value) ? Object.entries(value) : []
  if (entries.length !== 1 || !Object.hasOwn(RELATION_OPERATORS, entries[0]![0])) fail(path, usage)
  const [operator, operand] = entries[0]! as [keyof typeof RELATION_OPERATORS, unknown]
  const at = `${path}/${operator}`
  count(at, state)
  if (state.model === undefined) fail(at, `filtering by ${key} needs the model to check the properties of ${child}`)
  if (!isPlainObject(operand)) fail(at, usage)
  const parsed = parseObject(operand, at, depth + 1, state.model.entity(child), state)
  // `{}` parses to an empty AND: any child at all
  const condition = parsed.op === 'and' && parsed.conditions.length === 0 ? undefined : parsed
  const op = RELATION_OPERATORS[operator]
  const parts: Condition[] = relations.map(r => ({
    op,
    child,
    refProperty: r.property,
    ...(r.parentKey === 'id' ? {} : { parentKey: r.parentKey }),
    ...(condition === undefined ? {} : { condition })
  }))
  if (parts.length === 1) return parts[0]!
  return { op: op === 'some' ? 'or' : 'and', conditions: parts }
}

function count (path: string, state: ParseState): void {
  state.count += 1
  if (state.count > state.limits.maxConditions) fail(path, `more than ${state.limits.maxConditions} conditions`)
}

function scalar (value: unknown, path: string): Scalar {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number' && Number.isFinite(value)) return value
  return fail(path, 'expected a string, number, boolean or null')
}

function parseField (
  field: string,
  value: unknown,
  path: string,
  meta: EntityMetadata,
  state: ParseState
): Condition[] {
  checkField(field, path, meta)
  if (!isPlainObject(value)) {
    count(path, state)
    return [{ op: 'eq', field, value: scalar(value, path) }]
  }
  const ops = Object.entries(value)
  if (ops.length === 0) fail(path, 'an empty operator object matches nothing; give a value or an operator')
  return ops.map(([op, operand]) => {
    const at = `${path}/${op}`
    count(at, state)
    switch (op) {
      case '$eq':
        return { op: 'eq', field, value: scalar(operand, at) }
      case '$ne':
        return { op: 'ne', field, value: scalar(operand, at) }
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte': {
        if (typeof operand !== 'string' && (typeof operand !== 'number' || !Number.isFinite(operand))) {
          fail(at, `${op} compares with a string or a number`)
        }
        return { op: COMPARISONS[op], field, value: operand }
      }
      case '$in':
      case '$nin': {
        if (!Array.isArray(operand)) fail(at, `${op} takes an array`)
        if (operand.length > state.limits.maxInValues) {
          fail(at, `${op} takes at most ${state.limits.maxInValues} values`)
        }
        return { op: op === '$in' ? 'in' : 'nin', field, values: operand.map((v, i) => scalar(v, `${at}/${i}`)) }
      }
      case '$exists': {
        if (typeof operand !== 'boolean') fail(at, '$exists takes true or false')
        return { op: 'exists', field, value: operand }
      }
      default:
        return fail(at, `unsupported operator '${op}'; supported: ${OPERATORS.join(' ')}`)
    }
  })
}
