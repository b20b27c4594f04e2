// Brings a database up to the model at start-up, in one transaction under an advisory lock so
// that instances starting together migrate one after the other: a table per entity (the id as
// primary key, the document as jsonb for filters and indexes and as its original text, which
// keeps its key order), and per ref property a stored generated column holding the reference
// when it is a string, indexed with the id (and the other refs included); each declared index.
// Only adds what is missing, and rebuilds a ref index an earlier version defined otherwise;
// running it again is a no-op.
import type pg from 'pg'
import type { StoreEntity } from '../store.js'
import { quoteIdentifier, refColumnName, refIndexName, tableSql, textAt, jsonAt } from './identifiers.js'
import { indexColumnsSql } from './order-sql.js'
import { createLinksSql } from './link-statements.js'
import { findDuplicates, isUniqueViolation, uniqueIndexSql } from './unique-sql.js'

/** The advisory lock key of migrations: any number, the same in every instance. */
const MIGRATION_LOCK = 0x52454c41

/** `'text'` as an SQL string literal. */
function literal (text: string): string {
  return `'${text.replaceAll("'", "''")}'`
}

/**
 * (ref, id): a parent's children in id order; the entity's other refs INCLUDEd, so that a
 * relation filter's semi-join reads the children's refs from the index alone (the items of a
 * product → their orders, an index-only scan), as SQLite's ref indexes hold them after id. An
 * index an earlier version defined otherwise ((ref, id) alone, or other refs) is dropped first:
 * its definition, as pg_get_indexdef spells it, must end with the expected columns.
 */
function refIndexSql (name: string, table: string, column: string, others: readonly string[]): string[] {
  const included = others.length === 0 ? '' : ` INCLUDE (${others.map(quoteIdentifier).join(', ')})`
  // format's %I quotes as pg_get_indexdef does (only where needed)
  const pattern = ` USING btree (%I, id)${others.length === 0 ? '' : ` INCLUDE (${others.map(() => '%I').join(', ')})`}`
  const tail = `format(${[pattern, column, ...others].map(literal).join(', ')})`
  const definition = `pg_get_indexdef(to_regclass(${literal(quoteIdentifier(name))}))`
  return [
    `DO $relata$ BEGIN IF right(${definition}, length(${tail})) <> ${tail} THEN ` +
      `DROP INDEX ${quoteIdentifier(name)}; END IF; END $relata$`,
    `CREATE INDEX IF NOT EXISTS ${quoteIdentifier(name)} ON ${table} (${quoteIdentifier(column)}, id)${included}`
  ]
}

function entitySql (entity: StoreEntity): string[] {
  const table = quoteIdentifier(entity.name)
  const statements = [`CREATE TABLE IF NOT EXISTS ${table} ` +
    '(id text COLLATE "C" PRIMARY KEY, doc jsonb NOT NULL, body text NOT NULL)']
  for (const property of entity.refProperties) {
    const column = quoteIdentifier(refColumnName(property))
    statements.push(`ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${column} text COLLATE "C" GENERATED ALWAYS AS ` +
      `(CASE WHEN jsonb_typeof(${jsonAt('doc', property)}) = 'string' THEN ${textAt('doc', property)} END) STORED`)
  }
  // after every column: each ref index includes the other refs
  for (const property of entity.refProperties) {
    const others = entity.refProperties.filter(other => other !== property).map(refColumnName)
    statements.push(...refIndexSql(refIndexName(entity.name, property), table, refColumnName(property), others))
  }
  // a declared index holds exactly the expressions ORDER BY reads (order-sql.ts)
  const table_ = tableSql(entity)
  for (const keys of entity.indexes ?? []) {
    const name = quoteIdentifier(`${entity.name}_idx_${keys.map(k => `${k.desc ? 'desc_' : ''}${k.field}`).join('_')}`)
    statements.push(`CREATE INDEX IF NOT EXISTS ${name} ON ${table} (${indexColumnsSql(keys, table_)})`)
  }
  statements.push(...uniqueIndexSql(entity))
  return statements
}

export function migrationSql (entities: readonly StoreEntity[]): string {
  const lock = `SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`
  return ['BEGIN', lock, ...entities.flatMap(entitySql), ...createLinksSql, 'COMMIT'].join(';\n')
}

/** Runs the migration in one round trip; a failure rolls all of it back. */
export async function migrate (client: pg.ClientBase, entities: readonly StoreEntity[]): Promise<void> {
  try {
    await client.query(migrationSql(entities))
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    // a unique key declared over documents that break it: say which ones
    throw (isUniqueViolation(error) ? await findDuplicates(client, entities) : undefined) ?? error
  }
}
