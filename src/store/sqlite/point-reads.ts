// The point reads of one entity's table (get, and getMany on the main connection), with their
// statements prepared once per form and held here: a read then builds no SQL text and looks up
// no statement cache, which cost a point read about a fifth of its time next to the statement.
// Parsed documents and documents answered as they are (ReadForm.bare) read `doc` alone, plucked
// (no row object); documents that graphs are built from read the columns that go with the text.
import type Database from 'better-sqlite3'
import type { Doc, ReadForm } from '../store.js'
import { textDoc } from '../text-doc.js'
import type { TableSql } from './identifiers.js'
import type { Row } from './sql-reader.js'
import * as statements from './statements.js'
import { textColumns, textRow } from './text-rows.js'

const NO_REFS: Readonly<Record<string, unknown>> = Object.freeze({})

function parse (text: string): Doc {
  return JSON.parse(text) as Doc
}

export class PointReads {
  /** Selected beside `doc` in a read as text (textColumns), also by the pooled getMany. */
  readonly extra: string
  /** Turns a row read with `extra` into a document as text. */
  readonly textOf: (row: Row) => Doc
  #doc?: Database.Statement
  #row?: Database.Statement
  #docs?: Database.Statement
  #rows?: Database.Statement

  constructor (private readonly db: Database.Database, private readonly table: TableSql, keys: readonly string[]) {
    this.extra = textColumns(table, keys)
    this.textOf = textRow(table, keys)
  }

  /** The document `id`, in the form asked. */
  get (id: string, form: ReadForm | undefined): Doc | undefined {
    if (form?.text === true && form.bare !== true) {
      const row = (this.#row ??= this.#prepare(statements.getSql(this.table.table, this.extra))).get(id) as
        Row | undefined
      return row === undefined ? undefined : this.textOf(row)
    }
    const text = (this.#doc ??= this.#prepare(statements.getSql(this.table.table)).pluck()).get(id) as
      string | undefined
    if (text === undefined) return undefined
    return form?.text === true ? textDoc(id, text, NO_REFS) : parse(text)
  }

  /** The documents of `ids` (one JSON array), parsed or as text with what graphs are built from. */
  getMany (ids: string, form: ReadForm | undefined): Doc[] {
    if (form?.text === true) {
      const rows = (this.#rows ??= this.#prepare(statements.getManySql(this.table.table, this.extra))).all(ids)
      return (rows as Row[]).map(this.textOf)
    }
    const texts = (this.#docs ??= this.#prepare(statements.getManySql(this.table.table)).pluck()).all(ids)
    return (texts as string[]).map(parse)
  }

  #prepare (sql: string): Database.Statement {
    return this.db.prepare(sql)
  }
}
