// Chooses how a `$some` relation condition is read. A correlated EXISTS probes the children of
// every candidate parent; a semi-join reads the matching children first (through an index) and
// then their parents by id. The semi-join wins when the child condition is selective, which we
// can tell without statistics when it pins an indexed property of the child (its id or one of
// its reference properties) to one or a few string values. `$none` stays an anti-join.
import type { Condition } from './filter.js'

type Relation = Extract<Condition, { op: 'some' | 'none' }>

/** Whether `condition` alone narrows rows to those holding given values of an indexed property. */
export function pinsIndexedProperty (condition: Condition, indexed: ReadonlySet<string>): boolean {
  switch (condition.op) {
    case 'eq':
      return typeof condition.value === 'string' && indexed.has(condition.field)
    case 'in':
      return condition.values.length > 0 && condition.values.every(value => typeof value === 'string') &&
        indexed.has(condition.field)
    case 'and':
      return condition.conditions.some(part => pinsIndexedProperty(part, indexed))
    case 'or':
      return condition.conditions.length > 0 && condition.conditions.every(part => pinsIndexedProperty(part, indexed))
    default:
      return false
  }
}

/** The properties of a child entity its store can look up by value: its id and its references. */
export function indexedProperties (refProperties: Iterable<string>): ReadonlySet<string> {
  return new Set(['id', ...refProperties])
}

/** A `$some` whose child condition pins an indexed property of the child: read it as a semi-join. */
export function isSemiJoin (relation: Relation, childIndexed: ReadonlySet<string>): boolean {
  return relation.op === 'some' && relation.condition !== undefined &&
    pinsIndexedProperty(relation.condition, childIndexed)
}
