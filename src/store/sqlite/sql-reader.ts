// The read statements of the SQLite store, over one connection: the same code runs on the main
// thread (for `:memory:`, and for the bounded point reads) and in the read workers, each with
// its own connection. Arguments and results are plain data, so they cross a worker boundary.
import type Database from 'better-sqlite3'
import { LRUCache } from 'lru-cache'
import type { GraphText, PagedGraphText } from '../graph-plan.js'
import { CUT_MARK } from './graph-sql.js'
import * as statements from './statements.js'

export type Row = Record<string, unknown>

export interface AllArgs {
  sql: string
  params: unknown[]
  /** Exact 64-bit integers (stream keys that come back as the next cursor). */
  safeIntegers?: boolean
}

export interface FindArgs {
  /** The page with its count (statements.findSql), and the count alone for an empty page; both bounded. */
  pageSql: string
  countSql: string
  pageParams: unknown[]
  countParams: unknown[]
  /** An empty first page without a position has nothing to count. */
  emptyIsZero: boolean
}

export interface FindRows {
  rows: Row[]
  total: number
}

export interface ChildrenArgs {
  table: string
  column: string
  /** The parent ids as one JSON array. */
  parents: string
  limit: number
  /** Selected beside `doc` in a read as text, by the statements reading the table plain and as `child`. */
  extra: string
  childExtra: string
  /** The per-parent top-N statement for a `sort[Child]` order. */
  top?: string
}

/** A stream batch's statement writing graphs (GraphStatements.batch). */
export interface GraphBatchArgs extends AllArgs {
  /** The graphs to keep: the statement reads one row more, which tells whether another batch follows. */
  size: number
  /** How many keys (`k0`, `k1`, …) each row carries. */
  keys: number
}

/**
 * A stream batch's graphs as one text, a graph per line (JSON text never holds a raw newline):
 * one string crosses from a read worker, where 500 row objects cost the worker a fifth of its
 * time in postMessage alone (bench/limit.ts's profile of the with=all stream).
 */
export interface GraphBatch {
  lines: string
  count: number
  /** The indexes of the graphs that hold a cut list (their marks taken out, see unmarked). */
  cut: number[]
  /** The last graph's keys, where the next batch starts; none for an empty batch. */
  last: unknown[] | undefined
  /** The statement found a row past the batch. */
  more: boolean
}

/** A page's graphs (GraphStatements.page) and the count read with them. */
export interface GraphRows {
  graphs: PagedGraphText[]
  total: number
}

/** Children rows grouped by parent (`ref`) in order, and every parent's count. */
export interface ChildRows {
  rows: Row[]
  totals: Map<string, number>
}

/**
 * A graph a statement wrote (graph-sql.ts), ready to send: the marks of cut lists taken out, and
 * `cut` telling whether there were any (the graph's next links are then made from it). Done where
 * the statement ran, so the main thread only writes the text.
 */
function unmarked (text: string): GraphText {
  return text.includes(CUT_MARK) ? { text: text.replaceAll(CUT_MARK, ''), cut: true } : { text, cut: false }
}

/** A page's row as its graph (unmarked), with the root document as stored, in one object. */
function pagedGraph (row: Row): PagedGraphText {
  const { text, cut } = unmarked(row.graph as string)
  return { text, cut, root: row.root as string }
}

/**
 * Called about every 1,024 rows a statement visits (statements.tick): entering JavaScript is where a
 * worker's termination takes effect, so a statement in a terminated worker stops there instead
 * of running to its end inside SQLite. On the main thread it costs one call per 1,024 rows.
 */
export function registerTick (db: Database.Database): void {
  db.function('relata_tick', { deterministic: false }, (_rowid: unknown) => 1)
}

export class SqlReader {
  // bounded: filters and sorts make many distinct statements over a server's life
  private readonly prepared = new LRUCache<string, Database.Statement>({ max: 500 })
  readonly children: (args: ChildrenArgs) => ChildRows

  constructor (private readonly db: Database.Database) {
    // one read transaction, so counts and rows are one snapshot
    this.children = db.transaction(this.childrenIn.bind(this))
  }

  statement (sql: string): Database.Statement {
    let statement = this.prepared.get(sql)
    if (statement === undefined) this.prepared.set(sql, statement = this.db.prepare(sql))
    return statement
  }

  all (args: AllArgs): Row[] {
    const statement = this.statement(args.sql)
    return (args.safeIntegers === true ? statement.safeIntegers(true) : statement).all(...args.params) as Row[]
  }

  find (args: FindArgs): FindRows {
    const rows = this.statement(args.pageSql).all(...args.pageParams) as Row[]
    if (rows.length > 0) return { rows, total: rows[0]!.total as number }
    if (args.emptyIsZero) return { rows, total: 0 }
    // an empty page past the end (or size 0) carries no count: count separately
    const count = this.statement(args.countSql).get(...args.countParams) as Row
    return { rows, total: count.total as number }
  }

  /**
   * The counts first (from the index alone). In id order, the parents whose children all fit
   * are then read whole in one range scan each, and only the others through a per-parent
   * LIMIT: 1.4× faster than limiting every parent (bench/sqlite-children.ts). In another order (`top`),
   * every parent's top children.
   */
  private childrenIn ({ table, column, parents, limit, extra, childExtra, top }: ChildrenArgs): ChildRows {
    const totals = new Map<string, number>()
    const whole: string[] = []
    const cut: string[] = []
    for (const row of this.statement(statements.countByRefsSql(table, column)).all(parents) as Row[]) {
      const children = row.children as number
      totals.set(row.ref as string, children)
      ;(children <= limit ? whole : cut).push(row.ref as string)
    }
    const rows: Row[] = []
    if (limit === 0 || totals.size === 0) return { rows, totals }
    const read = (sql: string, ...params: unknown[]): Row[] => this.statement(sql).all(...params) as Row[]
    if (top !== undefined) return { rows: read(top, JSON.stringify([...totals.keys()]), limit), totals }
    if (whole.length > 0) rows.push(...read(statements.childrenSql(table, column, extra), JSON.stringify(whole)))
    if (cut.length > 0) {
      rows.push(...read(statements.firstChildrenSql(table, column, childExtra), JSON.stringify(cut), limit))
    }
    return { rows, totals }
  }

  /**
   * The graph a statement writing one graph answers (GraphStatements.one), unmarked (see unmarked);
   * undefined when no row matched. Its one column plucked: no row object, no array of rows. Such a
   * statement is run here alone, so it stays plucked.
   */
  graph (args: AllArgs): GraphText | undefined {
    const text = this.statement(args.sql).pluck().get(...args.params) as string | undefined
    return text === undefined ? undefined : unmarked(text)
  }

  /** A stream batch of graphs as one text; marks are looked for in the whole text first, as they are rare. */
  graphBatch (args: GraphBatchArgs): GraphBatch {
    // rows as arrays, `graph` then the keys: no object per row
    const statement = this.statement(args.sql).safeIntegers(args.safeIntegers === true).raw(true)
    let rows: unknown[][]
    try {
      rows = statement.all(...args.params) as unknown[][]
    } finally {
      statement.raw(false)
    }
    const count = Math.min(rows.length, args.size)
    const texts = new Array<string>(count)
    for (let i = 0; i < count; i++) texts[i] = rows[i]![0] as string
    let lines = texts.join('\n')
    const cut: number[] = []
    if (lines.includes(CUT_MARK)) {
      texts.forEach((text, i) => { if (text.includes(CUT_MARK)) cut.push(i) })
      lines = lines.replaceAll(CUT_MARK, '')
    }
    const last = count === 0 ? undefined : rows[count - 1]!.slice(1, 1 + args.keys)
    return { lines, count, cut, last, more: rows.length > args.size }
  }

  /**
   * A page of graphs with its count, as find reads a page of documents: each graph unmarked, with
   * its stored root document, made here (in a read worker on a file) rather than on the main thread.
   */
  graphPage (args: FindArgs): GraphRows {
    const { rows, total } = this.find(args)
    return { graphs: rows.map(pagedGraph), total }
  }

  clear (): void {
    this.prepared.clear()
  }
}

/** What a read worker can be asked to run, by name. */
export interface ReadOps {
  all: [AllArgs, Row[]]
  find: [FindArgs, FindRows]
  children: [ChildrenArgs, ChildRows]
  graph: [AllArgs, GraphText | undefined]
  graphPage: [FindArgs, GraphRows]
  graphBatch: [GraphBatchArgs, GraphBatch]
}

export type ReadOp = keyof ReadOps

export function runRead<K extends ReadOp> (reader: SqlReader, op: K, args: ReadOps[K][0]): ReadOps[K][1] {
  switch (op) {
    case 'all': return reader.all(args as AllArgs) as ReadOps[K][1]
    case 'find': return reader.find(args as FindArgs) as ReadOps[K][1]
    case 'children': return reader.children(args as ChildrenArgs) as ReadOps[K][1]
    case 'graph': return reader.graph(args as AllArgs) as ReadOps[K][1]
    case 'graphPage': return reader.graphPage(args as FindArgs) as ReadOps[K][1]
    case 'graphBatch': return reader.graphBatch(args as GraphBatchArgs) as ReadOps[K][1]
  }
  throw new Error(`sqlite store: unknown read '${String(op)}'`)
}
