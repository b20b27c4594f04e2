// Compiles a filter Condition into a predicate with the exact semantics of the SQLite
// translation: values only compare within their own JSON type, and negations (`ne`, `nin`)
// are plain NOTs, so they also match documents where the field is missing. Relation conditions
// read a parent's children from the store's ref index, which holds string references only, by
// the parent's id or, through `x-parent-key`, by its key value.
import { heldKey, type Condition, type Scalar } from '../filter.js'
import { compareText } from './compare.js'
import { fieldReader, MISSING } from './field.js'

export type Predicate = (doc: unknown) => boolean

/** How relation conditions reach the documents of other entities, through indexes only. */
export interface ChildLookup {
  /** For one declared reference: the documents of `entity` whose `refProperty` is the string `id`. */
  byParent: (entity: string, refProperty: string) => (id: string) => Iterable<unknown>
  /**
   * The documents of `entity` that `condition` may match, read through its indexes when it pins
   * the id or a reference (semi-join.ts); undefined when only a scan could tell.
   */
  pinned: (entity: string, condition: Condition | undefined) => Iterable<unknown> | undefined
}

function matchAll (): boolean {
  return true
}

export function compileCondition (condition: Condition | undefined, children: ChildLookup): Predicate {
  return condition === undefined ? matchAll : compile(condition, children)
}

function isEqual (value: unknown, operand: Scalar): boolean {
  if (operand === null) return value === null || value === MISSING
  // typeof keeps "1" apart from 1 and true apart from 1; objects never equal a scalar
  return typeof value === typeof operand && value === operand
}

function order (value: unknown, operand: string | number): number | undefined {
  if (typeof operand === 'number') return typeof value === 'number' ? value - operand : undefined
  return typeof value === 'string' ? compareText(value, operand) : undefined
}

const ORDER_TESTS = {
  gt: (d: number) => d > 0,
  gte: (d: number) => d >= 0,
  lt: (d: number) => d < 0,
  lte: (d: number) => d <= 0
}

function compile (condition: Condition, children: ChildLookup): Predicate {
  switch (condition.op) {
    case 'and': {
      const parts = condition.conditions.map(part => compile(part, children))
      return function matchAnd (doc) { return parts.every(part => part(doc)) }
    }
    case 'or': {
      const parts = condition.conditions.map(part => compile(part, children))
      return function matchOr (doc) { return parts.some(part => part(doc)) }
    }
    case 'eq': case 'ne': {
      const read = fieldReader(condition.field)
      const { value } = condition
      const wanted = condition.op === 'eq'
      return function matchEq (doc) { return isEqual(read(doc), value) === wanted }
    }
    case 'gt': case 'gte': case 'lt': case 'lte': {
      const read = fieldReader(condition.field)
      const { value } = condition
      const test = ORDER_TESTS[condition.op]
      return function matchOrder (doc) {
        const difference = order(read(doc), value)
        return difference !== undefined && test(difference)
      }
    }
    case 'in': case 'nin': {
      const read = fieldReader(condition.field)
      const { values } = condition
      const wanted = condition.op === 'in'
      return function matchIn (doc) {
        const value = read(doc)
        return values.some(operand => isEqual(value, operand)) === wanted
      }
    }
    case 'exists': {
      const read = fieldReader(condition.field)
      const wanted = condition.value
      return function matchExists (doc) { return (read(doc) !== MISSING) === wanted }
    }
    case 'some': case 'none': {
      const childrenOf = children.byParent(condition.child, condition.refProperty)
      const matches = compileCondition(condition.condition, children)
      const keyOf = parentKeyReader(heldKey(condition))
      if (condition.op === 'some') {
        const pinned = children.pinned(condition.child, condition.condition)
        if (pinned !== undefined) return semiJoin(pinned, matches, condition.refProperty, keyOf)
      }
      const wanted = condition.op === 'some'
      return function matchRelation (doc) {
        const key = keyOf(doc)
        if (key === undefined) return !wanted
        for (const relative of childrenOf(key)) if (matches(relative)) return wanted
        return !wanted
      }
    }
  }
}

/** What a child's reference must equal: the id, or the parent's key value when it is a string. */
function parentKeyReader (parentKey: string): (doc: unknown) => string | undefined {
  return function readParentKey (doc) {
    const value = (doc as Record<string, unknown>)[parentKey]
    return typeof value === 'string' ? value : undefined
  }
}

/**
 * A selective `$some`: the parents named by the string references of the few matching children,
 * gathered once when the read compiles its filter (as of its start, for a stream too) instead of
 * probing the children of every parent.
 */
function semiJoin (pinned: Iterable<unknown>, matches: Predicate, refProperty: string,
  keyOf: (doc: unknown) => string | undefined): Predicate {
  const parents = new Set<string>()
  for (const child of pinned) {
    const ref = (child as Record<string, unknown>)[refProperty]
    if (typeof ref === 'string' && matches(child)) parents.add(ref)
  }
  return function matchSemiJoin (doc) {
    const key = keyOf(doc)
    return key !== undefined && parents.has(key)
  }
}
