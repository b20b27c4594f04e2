// The SQL text of every statement the SQLite store runs, in one place so tests can inspect
// query plans of exactly what the store executes. Tables and columns arrive already quoted.

/**
 * True, and calls into JavaScript about once every 1,024 rows of `table` (or its alias) a
 * statement visits, so that a read worker's termination can stop the statement there
 * (sql-reader.ts). Put in the WHERE of every scan whose length no index bounds; the other rows
 * cost a random number. By chance rather than by rowid: a loop that visits the same few rows
 * again and again (a relation filter probing one product's items for every order) must tick too.
 * `table` is kept in the signature so that the tick reads as belonging to that scan.
 */
export function tick (table: string): string {
  return `((random() & 1023) != 0 OR relata_tick(${table}.rowid))`
}

export function getSql (table: string): string {
  return `SELECT doc FROM ${table} WHERE id = ?`
}

/** The ids arrive as one JSON array: no bound-variable limit, and the primary key still serves. */
export function getManySql (table: string): string {
  return `SELECT doc FROM ${table} WHERE id IN (SELECT value FROM json_each(?))`
}

/**
 * One page and the number of matches in one statement. The count is an uncorrelated subquery,
 * run once and answered from an index where it can; `COUNT(*) OVER ()` would materialize every
 * matching document to count them (50× slower on 10,000 rows). It stops after a bound (its
 * LIMIT: -1 counts every match), so a bounded count reads at most that many rows. Parameters:
 * the WHERE's, the bound, then the page's, whose condition may add a keyset position
 * (`pageWhere`) that the count ignores, then LIMIT and OFFSET.
 */
export function findSql (table: string, where: string, orderBy: string, pageWhere = where): string {
  return `SELECT doc, (${countSql(table, where)}) AS total
    FROM ${table} WHERE ${tick(table)} AND ${pageWhere} ORDER BY ${orderBy} LIMIT ? OFFSET ?`
}

/** The matches of `where`, counted up to the bound given as the last parameter (-1: all of them). */
export function countSql (table: string, where: string): string {
  return `SELECT COUNT(*) AS total FROM (SELECT 1 FROM ${table} WHERE ${tick(table)} AND ${where} LIMIT ?)`
}

/**
 * Every child of the given parents, grouped by parent in id order: one range scan of the
 * (ref, id) index per parent. Used for the parents whose children all fit the limit, which
 * the counts (countByRefsSql) tell first.
 */
export function childrenSql (table: string, column: string): string {
  return `SELECT doc, ${column} AS ref FROM ${table}
    WHERE ${column} IN (SELECT value FROM json_each(?)) ORDER BY ${column}, id`
}

/**
 * The first `?` children by id of each given parent, read through the (ref, id) index, never
 * the rest: for the parents with more children than the limit. Rows come grouped by parent.
 */
export function firstChildrenSql (table: string, column: string): string {
  return `SELECT child.doc AS doc, parent.value AS ref
    FROM (SELECT DISTINCT value FROM json_each(?)) AS parent
    JOIN ${table} AS child ON child.rowid IN (
      SELECT rowid FROM ${table} WHERE ${column} = parent.value ORDER BY id LIMIT ?)
    ORDER BY ref, child.id`
}

/**
 * The first `?` children of each given parent in a given order: per parent, a sort of its
 * children (found through the (ref, id) index) keeping the top N, so only those rows are
 * carried on; 3.8× faster (bench/sqlite-children.ts) than ROW_NUMBER() over every child of the batch, which drags each
 * child's document through one big sort. `innerOrder` reads the table unqualified, `outerOrder`
 * as `child`. Rows come grouped by parent, in the order asked.
 */
export function topChildrenSql (table: string, column: string, innerOrder: string, outerOrder: string): string {
  return `SELECT child.doc AS doc, parent.value AS ref
    FROM (SELECT DISTINCT value FROM json_each(?)) AS parent
    JOIN ${table} AS child ON child.rowid IN (
      SELECT rowid FROM ${table} WHERE ${column} = parent.value ORDER BY ${innerOrder} LIMIT ?)
    ORDER BY ref, ${outerOrder}`
}

/** How many children each parent has: one grouped count over the (ref, id) index. */
export function countByRefsSql (table: string, column: string): string {
  return `SELECT ${column} AS ref, COUNT(*) AS children FROM ${table}
    WHERE ${tick(table)} AND ${column} IN (SELECT value FROM json_each(?)) GROUP BY ${column}`
}

/** One keyset batch; the key values are selected too, to become the next cursor as they are. */
export function streamSql (table: string, keys: readonly string[], where: string, orderBy: string): string {
  const columns = keys.map((key, i) => `${key} AS k${i}`).join(', ')
  return `SELECT doc, ${columns} FROM ${table} WHERE ${tick(table)} AND ${where} ORDER BY ${orderBy} LIMIT ?`
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

/** Deletes a document only while its `rev` is the expected one: the compare of compare-and-move. */
export function deleteRevSql (table: string): string {
  return `DELETE FROM ${table} WHERE id = ? AND json_extract(doc, '$.rev') = ?`
}
