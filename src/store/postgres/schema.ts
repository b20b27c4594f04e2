// Brings a database up to the model at start-up, in one transaction under an advisory lock so
// that instances starting together migrate one after the other: a table per entity (the id as
// primary key, the document as jsonb for filters and indexes and as its original text, which
// keeps its key order), and per ref property a stored generated column holding the reference
// when it is a string, indexed with the id; each declared index. Only adds what is missing;
// running it again is a no-op.
import type pg from 'pg'
import type { StoreEntity } from '../store.js'
import { quoteIdentifier, refColumnName, refIndexName, tableSql, textAt, jsonAt } from './identifiers.js'
import { indexColumnsSql } from './order-sql.js'
import { createLinksSql } from './link-statements.js'
import { findDuplicates, isUniqueViolation, uniqueIndexSql } from './unique-sql.js'

/** The advisory lock key of migrations: any number, the same in every instance. */
const MIGRATION_LOCK = 0x52454c41

function entitySql (entity: StoreEntity): string[] {
  const table = quoteIdentifier(entity.name)
  const statements = [`CREATE TABLE IF NOT EXISTS ${table} ` +
    '(id text COLLATE "C" PRIMARY KEY, doc jsonb NOT NULL, body text NOT NULL)']
  for (const property of entity.refProperties) {
    const column = quoteIdentifier(refColumnName(property))
    statements.push(`ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${column} text COLLATE "C" GENERATED ALWAYS AS ` +
      `(CASE WHEN jsonb_typeof(${jsonAt('doc', property)}) = 'string' THEN ${textAt('doc', property)} END) STORED`)
    const index = quoteIdentifier(refIndexName(entity.name, property))
    statements.push(`CREATE INDEX IF NOT EXISTS ${index} ON ${table} (${column}, id)`)
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
