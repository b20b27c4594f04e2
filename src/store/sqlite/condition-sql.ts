// Translates a filter Condition into a WHERE expression with bound parameters. Every
// expression produced here evaluates to 0 or 1, never NULL, so that NOT (for `ne`, `nin`) is
// an exact complement; json_type guards keep JSON types from ever comparing across. A relation
// condition is a correlated EXISTS on the child table, served by its (ref, id) index, or, when
// the child condition is selective, a semi-join (semi-join.ts); the child
// table gets an alias per nesting level (r1, r2, …), so an entity can be its own child, and the
// outer row is named by its table at the top level, which every statement embedding the WHERE
// (the page, its count subquery, the stream's batches) has as its innermost table of that name.
import { heldKey, type Condition, type Scalar } from '../filter.js'
import { SqlConditionWriter, type Relation, type SqlFragment } from '../sql-condition.js'
import { fieldSql, isNumberSql, typeSql, valueSql, type FieldSql } from './field-sql.js'
import { refColumn, type TableSql } from './identifiers.js'
import { tick } from './statements.js'
import { indexedProperties, isSemiJoin } from '../semi-join.js'
import { keyPartSql } from './unique-sql.js'

/** How the tables of other entities (children in relation conditions) are addressed. */
export type TableLookup = (entity: string) => TableSql

/** Where the condition's fields are read: the statement's table, or a child table's alias. */
interface Scope {
  table: TableSql
  alias: string | undefined
  /** Nesting depth of relation subqueries (0 at the top). */
  depth: number
}

function noTables (entity: string): never {
  throw new Error(`sqlite store: a relation filter on '${entity}' needs the other tables`)
}

export function conditionSql (
  condition: Condition | undefined,
  table: TableSql,
  tables: TableLookup = noTables
): SqlFragment {
  const params: unknown[] = []
  const sql =
    condition === undefined
      ? '1'
      : new ConditionWriter({ table, alias: undefined, depth: 0 }, params, tables).write(condition)
  return { sql, params }
}

// Parameters are pushed in the same order as their `?` appear in the returned text.
class ConditionWriter extends SqlConditionWriter<FieldSql> {
  protected readonly always = '(1)'
  protected readonly never = '(0)'

  constructor (
    private readonly scope: Scope,
    private readonly params: unknown[],
    private readonly tables: TableLookup
  ) {
    super()
  }

  protected field (name: string): FieldSql {
    return fieldSql(name, this.scope.table, this.scope.alias)
  }

  private bind (value: unknown): string {
    this.params.push(value)
    return '?'
  }

  /**
   * `EXISTS` a child row whose ref column (strings only) holds this row's id and that matches;
   * for a selective `$some` (semi-join.ts), this row's id `IN` the ref column of the matching
   * children, which reads them through the index their condition pins. A reference through a
   * parent key holds this row's key value instead: the expression its unique index is built on
   * (a number there never equals a string in the untyped ref column), so the index serves too.
   */
  protected relation (condition: Relation): string {
    const child = this.tables(condition.child)
    const column = refColumn(child, condition.refProperty)
    const { table, alias, depth } = this.scope
    const outer = alias ?? table.table
    const byId = heldKey(condition) === 'id'
    const outerKey = byId ? `${outer}."id"` : keyPartSql(heldKey(condition), `${outer}.doc`)
    const inner: Scope = { table: child, alias: `r${depth + 1}`, depth: depth + 1 }
    const at = inner.alias!
    const semiJoin = isSemiJoin(condition, indexedProperties(child.refColumns.keys()))
    // the tick keeps a long scan of children stoppable (statements.tick)
    const where = semiJoin
      ? `${at}.${column} IS NOT NULL AND ${tick(at)}`
      : `${at}.${column} = ${outerKey} AND ${tick(at)}`
    const match =
      condition.condition === undefined
        ? ''
        : ` AND ${new ConditionWriter(inner, this.params, this.tables).write(condition.condition)}`
    if (semiJoin) {
      // a missing key would make IN answer NULL: IS NOT NULL keeps the test two-valued
      const present = byId ? '' : `${outerKey} IS NOT NULL AND `
      return `(${present}${outerKey} IN (SELECT ${at}.${column} FROM ${child.table} AS ${at} WHERE ${where}${match}))`
    }
    const exists = `EXISTS (SELECT 1 FROM ${child.table} AS ${at} WHERE ${where}${match})`
    return condition.op === 'some' ? `(${exists})` : `(NOT ${exists})`
  }

  protected equals (field: FieldSql, value: Scalar): string {
    if (typeof value === 'string') return this.stringTest(field, '= ?', value)
    if (field.isId) return this.never
    if (value === null) return `(coalesce(${typeSql(field)}, 'null') = 'null')`
    if (typeof value === 'boolean') return `(${typeSql(field)} IS '${value ? 'true' : 'false'}')`
    return `(${isNumberSql(field)} AND ${valueSql(field)} = ${this.bind(value)})`
  }

  protected compare (field: FieldSql, operator: string, value: string | number): string {
    if (typeof value === 'string') return this.stringTest(field, `${operator} ?`, value)
    if (field.isId) return this.never
    return `(${isNumberSql(field)} AND ${valueSql(field)} ${operator} ${this.bind(value)})`
  }

  protected inStrings (field: FieldSql, strings: string[]): string {
    return this.stringTest(field, 'IN (SELECT value FROM json_each(?))', JSON.stringify(strings))
  }

  protected inNumbers (field: FieldSql, numbers: number[]): string {
    const list = this.bind(JSON.stringify(numbers))
    return `(${isNumberSql(field)} AND ${valueSql(field)} IN (SELECT value FROM json_each(${list})))`
  }

  protected exists (field: FieldSql, present: boolean): string {
    if (field.isId) return present ? this.always : this.never
    return `(${typeSql(field)} IS ${present ? 'NOT NULL' : 'NULL'})`
  }

  /**
   * `field <test>` for a string operand, `test` holding exactly one `?` for it; reads the
   * string column when there is one so that the primary key or the ref index can serve it.
   */
  private stringTest (field: FieldSql, test: string, operand: unknown): string {
    this.params.push(operand)
    const column = field.stringColumn
    if (field.isId) return `(${column} ${test})`
    // a ref column is NULL unless the value is a string; IS NOT NULL turns NULL into 0
    if (column !== undefined) return `(${column} ${test} AND ${column} IS NOT NULL)`
    return `(${typeSql(field)} IS 'text' AND ${valueSql(field)} ${test})`
  }
}
