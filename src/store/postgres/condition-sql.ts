// Translates a filter Condition into a WHERE expression with numbered parameters. Every
// expression produced here is true or false, never NULL, so that NOT (for `ne`, `nin`) is an
// exact complement; CASE guards keep a cast from ever seeing a JSON value of another type
// (PostgreSQL does not promise to evaluate AND left to right). A relation condition is a
// correlated EXISTS on the child table, served by its (ref, id) index (or a semi-join when the
// child condition is selective, semi-join.ts), under an alias per nesting level (r1, r2, …) so
// that an entity can be its own child.
import { BadRequestError } from '../../errors.js'
import { heldKey, type Condition, type Scalar } from '../filter.js'
import { SqlConditionWriter, type Relation } from '../sql-condition.js'
import { fieldSql, typeSql, type FieldSql } from './field-sql.js'
import { refColumn, type TableSql } from './identifiers.js'
import { heldValueSql } from './parent-key-sql.js'
import { keyPartSql } from './unique-sql.js'
import { indexedProperties, isSemiJoin } from '../semi-join.js'

/** How the tables of other entities (children in relation conditions) are addressed. */
export type TableLookup = (entity: string) => TableSql

interface Scope {
  table: TableSql
  alias: string
  /** Nesting depth of relation subqueries (0 at the top). */
  depth: number
}

/**
 * The condition on rows of `table` named `alias`; its parameters are appended to `params`
 * (numbered after those already there), so several fragments can share one statement.
 */
export function conditionSql (condition: Condition | undefined, table: TableSql, alias: string,
  params: unknown[], tables: TableLookup): string {
  if (condition === undefined) return 'true'
  return new ConditionWriter({ table, alias, depth: 0 }, params, tables).write(condition)
}

/** Appends `value` to `params` and returns its placeholder, cast to `type`. */
export function bind (params: unknown[], value: unknown, type: string): string {
  const texts = Array.isArray(value) ? value : [value]
  if (texts.some(text => typeof text === 'string' && text.includes('\u0000'))) {
    // PostgreSQL text cannot hold it; no stored string has it either
    throw new BadRequestError('PostgreSQL cannot compare with the character U+0000: ' +
      'remove it from the filter or cursor')
  }
  params.push(value)
  return `$${params.length}::${type}`
}

class ConditionWriter extends SqlConditionWriter<FieldSql> {
  protected readonly always = 'true'
  protected readonly never = 'false'

  constructor (private readonly scope: Scope, private readonly params: unknown[],
    private readonly tables: TableLookup) {
    super()
  }

  protected field (name: string): FieldSql {
    return fieldSql(name, this.scope.table, this.scope.alias)
  }

  /**
   * A correlated EXISTS; for a selective `$some` (semi-join.ts), this row's id `IN` the matching
   * children's refs. A reference through a parent key holds this row's key value: the EXISTS
   * compares the ref column with it when it is a string (the ref index serves), and the semi-join
   * compares it as jsonb in the expression of the key's unique index, so that index serves.
   */
  protected relation (condition: Relation): string {
    const child = this.tables(condition.child)
    const column = refColumn(child, condition.refProperty)
    const inner: Scope = { table: child, alias: `r${this.scope.depth + 1}`, depth: this.scope.depth + 1 }
    const key = heldKey(condition)
    const match = condition.condition === undefined
      ? ''
      : ` AND ${new ConditionWriter(inner, this.params, this.tables).write(condition.condition)}`
    if (isSemiJoin(condition, indexedProperties(child.refColumns.keys()))) {
      const subquery = (ref: string): string => `(SELECT ${ref} FROM ${child.table} AS ${inner.alias} ` +
        `WHERE ${inner.alias}.${column} IS NOT NULL${match})`
      if (key === 'id') return `(${this.scope.alias}.id IN ${subquery(`${inner.alias}.${column}`)})`
      // a missing key would make IN answer NULL: IS NOT NULL keeps the test two-valued
      const outer = keyPartSql(key, `${this.scope.alias}.doc`)
      return `(${outer} IS NOT NULL AND ${outer} IN ${subquery(`to_jsonb(${inner.alias}.${column})`)})`
    }
    const exists = `EXISTS (SELECT 1 FROM ${child.table} AS ${inner.alias} ` +
      `WHERE ${inner.alias}.${column} = ${heldValueSql(this.scope.alias, key)}${match})`
    return condition.op === 'some' ? `(${exists})` : `(NOT ${exists})`
  }

  protected equals (field: FieldSql, value: Scalar): string {
    if (typeof value === 'string') return this.stringTest(field, '=', value)
    if (field.isId) return 'false'
    if (value === null) return `(coalesce(${typeSql(field)}, 'null') = 'null')`
    if (typeof value === 'boolean') return `coalesce(${field.json} = '${value ? 'true' : 'false'}'::jsonb, false)`
    return `coalesce(${field.json} = to_jsonb(${bind(this.params, value, 'numeric')}), false)`
  }

  protected compare (field: FieldSql, operator: string, value: string | number): string {
    if (typeof value === 'string') return this.stringTest(field, operator, value)
    if (field.isId) return 'false'
    const operand = bind(this.params, value, 'numeric')
    return `(CASE WHEN ${typeSql(field)} = 'number' THEN (${field.json})::numeric ${operator} ${operand} ` +
      'ELSE false END)'
  }

  protected inStrings (field: FieldSql, strings: string[]): string {
    return this.stringTest(field, '= ANY', strings)
  }

  protected inNumbers (field: FieldSql, numbers: number[]): string {
    const list = bind(this.params, numbers, 'numeric[]')
    return `(CASE WHEN ${typeSql(field)} = 'number' THEN (${field.json})::numeric = ANY(${list}) ELSE false END)`
  }

  protected exists (field: FieldSql, present: boolean): string {
    if (field.isId) return present ? 'true' : 'false'
    return `(${field.json} IS ${present ? 'NOT NULL' : 'NULL'})`
  }

  /**
   * `field <operator> operand` for a string operand (or a list of them, for `= ANY`); reads
   * the string column when there is one so that the primary key or the ref index can serve it.
   */
  private stringTest (field: FieldSql, operator: string, operand: string | string[]): string {
    const value = Array.isArray(operand)
      ? `(${bind(this.params, operand, 'text[]')})`
      : bind(this.params, operand, 'text')
    const column = field.stringColumn
    if (field.isId) return `(${column!} ${operator} ${value})`
    // a ref column is NULL unless the value is a string; IS NOT NULL turns NULL into false and
    // leaves the comparison itself free to use the column's index
    if (column !== undefined) return `(${column} ${operator} ${value} AND ${column} IS NOT NULL)`
    return `(CASE WHEN ${typeSql(field)} = 'string' THEN (${field.text}) COLLATE "C" ${operator} ${value} ` +
      'ELSE false END)'
  }
}
