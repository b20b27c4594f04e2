// The one check of a filter's relation conditions against the model the store was opened with:
// each goes through a declared reference of its child and, when the reference holds a parent's
// key (`parentKey`), a declared single-property unique key of the parent, so every adapter joins
// on indexed values only. The model is the only source of these names: a miss is a programming error.
import { heldKey, type Condition } from '../filter.js'
import type { EntityTables } from './entity-tables.js'

export function checkRelations<T> (tables: EntityTables<T>, entity: string, condition: Condition | undefined): void {
  if (condition === undefined) return
  switch (condition.op) {
    case 'and': case 'or':
      for (const part of condition.conditions) checkRelations(tables, entity, part)
      return
    case 'some': case 'none':
      tables.withRef(condition.child, condition.refProperty)
      if (heldKey(condition) !== 'id') tables.withKey(entity, heldKey(condition))
      checkRelations(tables, condition.child, condition.condition)
  }
}
