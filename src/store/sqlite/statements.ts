// The SQL text of every statement the SQLite store runs, in one place so tests can inspect
// query plans of exactly what the store executes. Tables and columns arrive already quoted.

export function getSql (table: string): string {
  return `SELECT doc FROM ${table} WHERE id = ?`
}

/** The ids arrive as one JSON array: no bound-variable limit, and the primary key still serves. */
export function getManySql (table: string): string {
  return `SELECT doc FROM ${table} WHERE id IN (SELECT value FROM json_each(?))`
}

/**
 * One page and the total number of matches in one statement. The total is an uncorrelated
 * subquery, run once and answered from an index where it can; `COUNT(*) OVER ()` would
 * materialize every matching document to count them (50× slower on 10,000 rows). The WHERE
 * parameters are bound twice: for the count, then for the page.
 */
export function findSql (table: string, where: string, orderBy: string): string {
  return `SELECT doc, (SELECT COUNT(*) FROM ${table} WHERE ${where}) AS total FROM ${table} WHERE ${where} ORDER BY ${orderBy} LIMIT ? OFFSET ?`
}

export function countSql (table: string, where: string): string {
  return `SELECT COUNT(*) AS total FROM ${table} WHERE ${where}`
}

/**
 * Children of many parents: the first `?` children of each parent by id, and per parent the
 * number of children. Row 1 of each parent is always kept so that its count survives even
 * when the limit is 0; the caller drops the document of such rows.
 */
export function findByRefsSql (table: string, column: string): string {
  return `SELECT doc, ref, position, children FROM (
    SELECT doc, ${column} AS ref,
      ROW_NUMBER() OVER (PARTITION BY ${column} ORDER BY id) AS position,
      COUNT(*) OVER (PARTITION BY ${column}) AS children
    FROM ${table} WHERE ${column} IN (SELECT value FROM json_each(?))
  ) WHERE position <= ? OR position = 1`
}

/** One keyset batch; the key values are selected too, to become the next cursor as they are. */
export function streamSql (table: string, keys: readonly string[], where: string, orderBy: string): string {
  const columns = keys.map((key, i) => `${key} AS k${i}`).join(', ')
  return `SELECT doc, ${columns} FROM ${table} WHERE ${where} ORDER BY ${orderBy} LIMIT ?`
}

export function upsertSql (table: string): string {
  return `INSERT INTO ${table} (id, doc) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc`
}

export function deleteSql (table: string): string {
  return `DELETE FROM ${table} WHERE id = ?`
}

export function deleteManySql (table: string): string {
  return `DELETE FROM ${table} WHERE id IN (SELECT value FROM json_each(?))`
}
