// The SQL of PostgreSQL's identity links (see ../sql-links.ts). Keys arrive as one JSON array
// of [source, sourceId] pairs; the COLLATE "C" columns order pages as every store does.
import { LINKS_BY_ID, LINKS_TABLE } from '../sql-links.js'

export const createLinksSql = [
  `CREATE TABLE IF NOT EXISTS ${LINKS_TABLE} (entity text COLLATE "C" NOT NULL, source text COLLATE "C" NOT NULL, ` +
    'source_id text COLLATE "C" NOT NULL, id text COLLATE "C" NOT NULL, PRIMARY KEY (entity, source, source_id))',
  `CREATE INDEX IF NOT EXISTS ${LINKS_BY_ID} ON ${LINKS_TABLE} (entity, id)`
]

const KEYS = 'SELECT k ->> 0 AS source, k ->> 1 AS source_id FROM json_array_elements($2::json) AS k'

/** The links of the keys, and whether each one's document is in `table`. */
export function resolveLinksSql (table: string): string {
  return `SELECT l.source, l.source_id, l.id, EXISTS (SELECT 1 FROM ${table} AS d WHERE d.id = l.id) AS present
    FROM (${KEYS}) AS k JOIN ${LINKS_TABLE} AS l
    ON l.entity = $1::text AND l.source = k.source AND l.source_id = k.source_id`
}

/**
 * Adds the links not there yet, then answers those of the keys held by another id: run before
 * the documents in one transaction, whose statements see what concurrent ones committed.
 */
export const insertLinksSql = `INSERT INTO ${LINKS_TABLE} (entity, source, source_id, id)
  SELECT $1::text, k ->> 0, k ->> 1, k ->> 2 FROM json_array_elements($2::json) AS k ON CONFLICT DO NOTHING`

export const conflictingLinksSql = `SELECT l.source, l.source_id, l.id, k ->> 2 AS wanted
  FROM json_array_elements($2::json) AS k JOIN ${LINKS_TABLE} AS l
  ON l.entity = $1::text AND l.source = k ->> 0 AND l.source_id = k ->> 1 WHERE l.id <> k ->> 2`

const MATCH = 'entity = $1::text AND ($2::text IS NULL OR id = $2::text) AND ($3::text IS NULL OR source = $3::text)'

export const findLinksSql = `SELECT source, source_id, id, COUNT(*) OVER () AS total FROM ${LINKS_TABLE}
  WHERE ${MATCH} ORDER BY source, source_id LIMIT $4 OFFSET $5`

export const countLinksSql = `SELECT COUNT(*) AS total FROM ${LINKS_TABLE} WHERE ${MATCH}`

export const deleteLinksSql = `DELETE FROM ${LINKS_TABLE} WHERE entity = $1::text AND (source, source_id) IN (${KEYS})`
