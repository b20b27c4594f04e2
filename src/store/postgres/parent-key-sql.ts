// How PostgreSQL joins a child's reference to its parent (graph-plan.ts, condition-sql.ts): by
// id, or through `x-parent-key` by the parent's value of a single-property unique key. Each side
// is written so that an index serves it: the child's ref column compared with a text value (the
// (ref, id) index), the parent's key as the jsonb expression its unique index is built on.
import { jsonAt, textAt } from './identifiers.js'
import { keyPartSql } from './unique-sql.js'

/** What the references to row `alias` hold, as text: its id, or its key when that is a string (else NULL). */
export function heldValueSql (alias: string, key: string): string {
  if (key === 'id') return `${alias}.id`
  const doc = `${alias}.doc`
  return `(CASE WHEN jsonb_typeof(${jsonAt(doc, key)}) = 'string' THEN ${textAt(doc, key)} END)`
}

/** Row `alias` is the parent that the text reference `ref` names: by primary key, or by the key's unique index. */
export function isReferencedSql (alias: string, key: string, ref: string): string {
  if (key === 'id') return `${alias}.id = ${ref}`
  return `${keyPartSql(key, `${alias}.doc`)} = to_jsonb(${ref})`
}
