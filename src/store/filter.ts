// Filters: a MongoDB-like JSON subset parsed into a small condition tree. Adapters translate
// the tree, never the raw input, so only whitelisted operators can reach a store.
import { BadRequestError } from '../errors.js'

export type Scalar = string | number | boolean | null

export type Condition =
  | { op: 'and' | 'or', conditions: Condition[] }
  | { op: 'eq' | 'ne', field: string, value: Scalar }
  | { op: 'gt' | 'gte' | 'lt' | 'lte', field: string, value: string | number }
  | { op: 'in' | 'nin', field: string, values: Scalar[] }
  | { op: 'exists', field: string, value: boolean }

export interface FilterLimits {
  maxDepth: number
  maxConditions: number
  maxInValues: number
}

export const DEFAULT_FILTER_LIMITS: FilterLimits = { maxDepth: 6, maxConditions: 64, maxInValues: 1000 }

const COMPARISONS = { $gt: 'gt', $gte: 'gte', $lt: 'lt', $lte: 'lte' } as const
const OPERATORS = ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists', '$and', '$or']
const PATH_SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$/

/**
 * Parses a filter object. `fields` are the entity's top-level properties; a dotted path
 * (`address.city`) is accepted when its first segment is one of them.
 */
export function parseFilter (raw: unknown, fields: readonly string[], limits: FilterLimits = DEFAULT_FILTER_LIMITS): Condition {
  const state = { count: 0, fields, limits }
  return parseObject(raw, '', 1, state)
}

interface ParseState {
  count: number
  fields: readonly string[]
  limits: FilterLimits
}

function fail (path: string, message: string): never {
  throw new BadRequestError(`invalid filter: ${message}`, [{ path: path || '/', message }])
}

function isPlainObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function parseObject (raw: unknown, path: string, depth: number, state: ParseState): Condition {
  if (!isPlainObject(raw)) fail(path, 'expected a JSON object')
  if (depth > state.limits.maxDepth) fail(path, `nested deeper than ${state.limits.maxDepth} levels`)
  const conditions: Condition[] = []
  for (const [key, value] of Object.entries(raw)) {
    const at = `${path}/${key}`
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(value) || value.length === 0) fail(at, `${key} takes a non-empty array of filters`)
      conditions.push({ op: key === '$and' ? 'and' : 'or', conditions: value.map((v, i) => parseObject(v, `${at}/${i}`, depth + 1, state)) })
    } else if (key.startsWith('$')) {
      fail(at, `unsupported operator '${key}' at the top of a filter; use one of ${OPERATORS.join(' ')} inside a field`)
    } else {
      conditions.push(...parseField(key, value, at, state))
    }
  }
  return conditions.length === 1 ? conditions[0]! : { op: 'and', conditions }
}

function checkField (field: string, path: string, state: ParseState): void {
  const segments = field.split('.')
  if (!segments.every(s => PATH_SEGMENT.test(s))) fail(path, `'${field}' is not a property path`)
  if (!state.fields.includes(segments[0]!)) {
    fail(path, `unknown property '${segments[0]}'; filterable properties are ${state.fields.join(', ')}`)
  }
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

function parseField (field: string, value: unknown, path: string, state: ParseState): Condition[] {
  checkField(field, path, state)
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
      case '$eq': return { op: 'eq', field, value: scalar(operand, at) }
      case '$ne': return { op: 'ne', field, value: scalar(operand, at) }
      case '$gt': case '$gte': case '$lt': case '$lte': {
        if (typeof operand !== 'string' && (typeof operand !== 'number' || !Number.isFinite(operand))) fail(at, `${op} compares with a string or a number`)
        return { op: COMPARISONS[op], field, value: operand }
      }
      case '$in': case '$nin': {
        if (!Array.isArray(operand)) fail(at, `${op} takes an array`)
        if (operand.length > state.limits.maxInValues) fail(at, `${op} takes at most ${state.limits.maxInValues} values`)
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
