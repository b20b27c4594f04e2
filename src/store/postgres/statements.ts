// The SQL text of the statements the PostgreSQL store runs, in one place so that tests can
// inspect their plans. Tables and columns arrive quoted, conditions as text with `$n`
// parameters; lists of ids travel as one text[] parameter (`= ANY`), so the primary key and
// the (ref, id) indexes serve them whatever their length. Documents are read from `body`, the
// text they were written as, so they keep their key order (jsonb sorts keys).

export function getSql (table: string): string {
  return `SELECT body FROM ${table} WHERE id = $1::text`
}

export function getManySql (table: string): string {
  return `SELECT body FROM ${table} WHERE id = ANY($1::text[])`
}

/**
 * One page and the number of matches in one statement: the count is an uncorrelated subquery,
 * run once, that stops after a bound (its LIMIT; NULL counts every match), so a bounded count
 * reads at most that many rows. `pageWhere` may add a keyset position that the count ignores;
 * both share the numbered parameters of `where`. Parameter `limit` is the page's LIMIT, the
 * next its OFFSET, the one after the count's bound.
 */
export function findSql (table: string, where: string, pageWhere: string, orderBy: string, limit: number): string {
  return `SELECT body, (${countSql(table, where, limit + 2)}) AS total ` +
    `FROM ${table} AS t0 WHERE ${pageWhere} ORDER BY ${orderBy} LIMIT $${limit}::bigint OFFSET $${limit + 1}::bigint`
}

/** The matches of `where`, counted up to the bound in parameter `bound` (NULL: all of them). */
export function countSql (table: string, where: string, bound: number): string {
  return `SELECT count(*) AS total FROM (SELECT FROM ${table} AS t0 WHERE ${where} LIMIT $${bound}::bigint) AS matches`
}

/** The planner's estimate of how many rows match `where`: the top node's rows of its plan. */
export function estimateSql (table: string, where: string): string {
  return `EXPLAIN (FORMAT JSON) SELECT FROM ${table} AS t0 WHERE ${where}`
}

/**
 * Each parent's count and its first `$2` children in `orderBy` (which names the child `t0`):
 * per parent, a LATERAL read of the (ref, id) index (in id order, a range scan that stops at
 * the limit). A parent with children but a limit of 0 yields one row without a body; a parent
 * without children yields none. Rows come grouped by parent, each group in order.
 */
export function childrenSql (table: string, column: string, orderBy: string): string {
  return `SELECT counts.ref, counts.children, child.body FROM (
      SELECT ${column} AS ref, count(*) AS children FROM ${table}
      WHERE ${column} = ANY($1::text[]) GROUP BY ${column}) AS counts
    LEFT JOIN LATERAL (
      SELECT t0.body, row_number() OVER (ORDER BY ${orderBy}) AS position FROM ${table} AS t0
      WHERE t0.${column} = counts.ref ORDER BY ${orderBy} LIMIT $2::bigint) AS child ON true
    ORDER BY counts.ref, child.position`
}

/** How many children each parent has: one grouped count over the (ref, id) index. */
export function countByRefsSql (table: string, column: string): string {
  return `SELECT ${column} AS ref, count(*) AS children FROM ${table} ` +
    `WHERE ${column} = ANY($1::text[]) GROUP BY ${column}`
}

/** Every match in order: the documents of a stream, read through a cursor (declareSql). */
export function streamSql (table: string, where: string, orderBy: string): string {
  return `SELECT body FROM ${table} AS t0 WHERE ${where} ORDER BY ${orderBy}`
}

/** A stream's cursor over the rows of `select`, read batch by batch by fetchSql. */
export function declareSql (select: string): string {
  return `DECLARE relata_stream NO SCROLL CURSOR FOR ${select}`
}

/** The next batch of the stream's cursor; `size` is a checked positive integer. */
export function fetchSql (size: number): string {
  return `FETCH FORWARD ${size} FROM relata_stream`
}

/**
 * Inserts or replaces the documents of one JSON array parameter in one statement: each element
 * as jsonb (for filters and indexes) and as its own text (what is read back). The ids of the
 * array are distinct: a statement may not update one row twice.
 */
export function upsertSql (table: string): string {
  return `INSERT INTO ${table} (id, doc, body)
    SELECT element ->> 'id', element::jsonb, element::text FROM json_array_elements($1::json) AS element
    ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, body = excluded.body`
}

export function deleteSql (table: string): string {
  return `DELETE FROM ${table} WHERE id = $1::text`
}

export function deleteManySql (table: string): string {
  return `DELETE FROM ${table} WHERE id = ANY($1::text[])`
}

/**
 * Compare-and-move in one statement, so atomic: locks the source rows that still have the
 * expected `rev` (a string) in id order, so that two movers of overlapping batches wait for
 * each other instead of deadlocking; deletes them, inserts the moves whose source it deleted,
 * returns their ids. A mover that waited finds the rows gone (or changed) and moves nothing.
 */
export function moveSql (source: string, target: string): string {
  return `WITH move AS (
      SELECT element ->> 'id' AS id, element ->> 'rev' AS rev, element -> 'doc' AS doc
      FROM json_array_elements($1::json) AS element),
    locked AS (
      SELECT source.id FROM ${source} AS source JOIN move ON move.id = source.id
      WHERE source.doc -> 'rev' = to_jsonb(move.rev) ORDER BY source.id FOR UPDATE OF source),
    moved AS (
      DELETE FROM ${source} AS source USING locked WHERE source.id = locked.id RETURNING source.id),
    written AS (
      INSERT INTO ${target} (id, doc, body)
      SELECT move.doc ->> 'id', move.doc::jsonb, move.doc::text FROM move JOIN moved ON moved.id = move.id
      ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, body = excluded.body)
    SELECT id FROM moved`
}
