// What the SQL stores (SQLite, PostgreSQL) share of writing a filter Condition as a WHERE
// expression: the walk over the condition tree, and how an `in` list splits into its strings,
// its numbers and the literals null, true and false. Each dialect's writer (condition-sql.ts in
// sqlite/ and postgres/) spells the tests; every test is true or false, never NULL, so that NOT
// (for `ne`, `nin`) is an exact complement.
import type { Condition, Scalar } from './filter.js'

/** SQL text and the values of its parameters, in the order they are numbered or appear. */
export interface SqlFragment {
  sql: string
  params: unknown[]
}

export type Relation = Extract<Condition, { op: 'some' | 'none' }>

const COMPARISON = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const

/** A field as a dialect reads it; the id is a string, never a number, a boolean or null. */
interface Field {
  isId: boolean
}

export abstract class SqlConditionWriter<F extends Field> {
  /** How the dialect spells a test that always holds, and one that never does. */
  protected abstract readonly always: string
  protected abstract readonly never: string

  protected abstract field (name: string): F
  protected abstract equals (field: F, value: Scalar): string
  protected abstract compare (field: F, operator: string, value: string | number): string
  /** The field is one of these strings (parameters in the order of the text). */
  protected abstract inStrings (field: F, strings: string[]): string
  /** The field is a number, one of these. */
  protected abstract inNumbers (field: F, numbers: number[]): string
  protected abstract exists (field: F, present: boolean): string
  protected abstract relation (condition: Relation): string

  write (condition: Condition): string {
    switch (condition.op) {
      case 'and': case 'or': {
        if (condition.conditions.length === 0) return condition.op === 'and' ? this.always : this.never
        const parts = condition.conditions.map(part => this.write(part))
        return `(${parts.join(condition.op === 'and' ? ' AND ' : ' OR ')})`
      }
      case 'eq': return this.equals(this.field(condition.field), condition.value)
      case 'ne': return `NOT ${this.equals(this.field(condition.field), condition.value)}`
      case 'gt': case 'gte': case 'lt': case 'lte':
        return this.compare(this.field(condition.field), COMPARISON[condition.op], condition.value)
      case 'in': return this.oneOf(this.field(condition.field), condition.values)
      case 'nin': return `NOT ${this.oneOf(this.field(condition.field), condition.values)}`
      case 'exists': return this.exists(this.field(condition.field), condition.value)
      case 'some': case 'none': return this.relation(condition)
    }
  }

  private oneOf (field: F, values: readonly Scalar[]): string {
    const strings = values.filter((v): v is string => typeof v === 'string')
    const numbers = values.filter((v): v is number => typeof v === 'number')
    const parts: string[] = []
    if (strings.length > 0) parts.push(this.inStrings(field, strings))
    if (!field.isId) {
      if (numbers.length > 0) parts.push(this.inNumbers(field, numbers))
      if (values.includes(null)) parts.push(this.equals(field, null))
      if (values.includes(true)) parts.push(this.equals(field, true))
      if (values.includes(false)) parts.push(this.equals(field, false))
    }
    return parts.length === 0 ? this.never : `(${parts.join(' OR ')})`
  }
}
