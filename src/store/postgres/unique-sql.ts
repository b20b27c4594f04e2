// Unique keys in PostgreSQL: a unique expression index per key, over each property's jsonb value
// when it is a string or a number and NULL otherwise (NULLs repeat in a unique index, so a
// document missing a part takes no part in the key; jsonb compares `"1"` and `1` as different).
// Creating one on documents that already break it fails the migration; the duplicates are then
// looked up to say which documents they are.
import type pg from 'pg'
import { ExistingDuplicatesError } from '../../errors.js'
import type { StoreEntity } from '../store.js'
import { jsonAt, quoteIdentifier } from './identifiers.js'

/** The value a unique key indexes: a jsonb string or number, NULL for anything else. */
export function keyPartSql (field: string, doc = 'doc'): string {
  const value = jsonAt(doc, field)
  return `(CASE WHEN jsonb_typeof(${value}) IN ('string', 'number') THEN ${value} END)`
}

export function uniqueIndexSql (entity: StoreEntity): string[] {
  return (entity.uniqueKeys ?? []).map(key =>
    `CREATE UNIQUE INDEX IF NOT EXISTS ${quoteIdentifier(`${entity.name}_unique_${key.join('_')}`)} ON ` +
      `${quoteIdentifier(entity.name)} (${key.map(field => keyPartSql(field)).join(', ')})`)
}

export function isUniqueViolation (error: unknown): boolean {
  return (error as { code?: unknown }).code === '23505'
}

/** The first unique key that stored documents break, as the error naming an example; undefined when none. */
export async function findDuplicates (
  client: pg.ClientBase,
  entities: readonly StoreEntity[]
): Promise<ExistingDuplicatesError | undefined> {
  for (const entity of entities) {
    for (const key of entity.uniqueKeys ?? []) {
      const parts = key.map(field => keyPartSql(field))
      const { rows } = await client.query(`SELECT ${parts.map((part, i) => `${part} AS k${i}`).join(', ')},
        json_agg(id ORDER BY id) AS ids FROM ${quoteIdentifier(entity.name)}
        WHERE ${parts.map(part => `${part} IS NOT NULL`).join(' AND ')}
        GROUP BY ${parts.map((_, i) => `k${i}`).join(', ')} HAVING COUNT(*) > 1 LIMIT 1`)
      const row = rows[0] as Record<string, unknown> | undefined
      if (row !== undefined) {
        return new ExistingDuplicatesError(entity.name, key, key.map((_, i) => row[`k${i}`]), row.ids as string[])
      }
    }
  }
  return undefined
}
