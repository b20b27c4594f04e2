// The SQL of SQLite's identity links (see ../sql-links.ts). Keys arrive as one JSON array of
// [source, sourceId] pairs: no bound-variable limit, and the primary key still serves each one.
import { LINKS_BY_ID, LINKS_TABLE } from '../sql-links.js'

export const createLinksSql = [
  `CREATE TABLE IF NOT EXISTS ${LINKS_TABLE} (entity TEXT NOT NULL, source TEXT NOT NULL, ` +
    'source_id TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (entity, source, source_id)) WITHOUT ROWID',
  `CREATE INDEX IF NOT EXISTS ${LINKS_BY_ID} ON ${LINKS_TABLE} (entity, id)`
]

const KEYS = "SELECT json_extract(value, '$[0]') AS source, json_extract(value, '$[1]') AS source_id FROM json_each(?)"

/**
 * The links of the keys, and whether each one's document is in `table`. CROSS JOIN keeps the keys
 * the outer loop (a primary-key search per key): with a plain JOIN and no ANALYZE statistics,
 * SQLite walks every link of the entity and scans the keys for each (27 s for 500 keys among
 * 25,000 links, against 2 ms).
 */
export function resolveLinksSql (table: string): string {
  return `SELECT l.source, l.source_id, l.id, EXISTS (SELECT 1 FROM ${table} AS d WHERE d.id = l.id) AS present
    FROM (${KEYS}) AS k CROSS JOIN ${LINKS_TABLE} AS l
    ON l.entity = ? AND l.source = k.source AND l.source_id = k.source_id`
}

export const insertLinkSql = `INSERT INTO ${LINKS_TABLE} (entity, source, source_id, id) VALUES (?, ?, ?, ?)
  ON CONFLICT DO NOTHING`

export const linkIdSql = `SELECT id FROM ${LINKS_TABLE} WHERE entity = ? AND source = ? AND source_id = ?`

const MATCH = 'entity = ? AND (? IS NULL OR id = ?) AND (? IS NULL OR source = ?)'

export const findLinksSql = `SELECT source, source_id, id, (SELECT COUNT(*) FROM ${LINKS_TABLE} WHERE ${MATCH}) AS total
  FROM ${LINKS_TABLE} WHERE ${MATCH} ORDER BY source, source_id LIMIT ? OFFSET ?`

export const countLinksSql = `SELECT COUNT(*) AS total FROM ${LINKS_TABLE} WHERE ${MATCH}`

export const deleteLinksSql = `DELETE FROM ${LINKS_TABLE} WHERE entity = ? AND (source, source_id) IN (${KEYS})`
