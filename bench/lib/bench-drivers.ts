// The two PostgreSQL drivers bench/pg-drivers.ts compares, behind one small interface, each used
// the way a store would use it: node-postgres (`pg`) with a Pool and named prepared statements,
// its streams a server-side cursor (BEGIN READ ONLY, DECLARE, FETCH per batch, ROLLBACK) as
// Relata's store reads them; porsager's `postgres` with prepared statements (`prepare: true`),
// its streams either its own `.cursor(n)` (a portal read n rows per Execute) or the same
// DECLARE/FETCH in a read-only transaction. Each pool names its backends (application_name).
import pg from 'pg'
import postgres from 'postgres'
import { BackendCpu, namedUrl } from './cpu.js'
import type { Statement } from './captured-statements.js'

type Rows = Array<Record<string, unknown>>

export interface BenchDriver {
  name: string
  backends: BackendCpu
  /** The rows of `statement`, prepared once per connection under `name`. */
  run (name: string, statement: Statement): Promise<Rows>
  /** Every row of `select`, `batch` per round trip through DECLARE/FETCH, handed to `each`. */
  declared (select: string, batch: number, each: (rows: Rows) => void): Promise<void>
  /** Every row of `select`, `batch` per round trip through the driver's own cursor. */
  cursor (select: string, batch: number, each: (rows: Rows) => void): Promise<void>
  end (): Promise<void>
}

const DECLARE = 'DECLARE bench_stream NO SCROLL CURSOR FOR '

export async function nodePostgres (url: string, pool: number): Promise<BenchDriver> {
  const name = 'relata-bench-driver-pg'
  const clients = new pg.Pool({ connectionString: namedUrl(url, name), max: pool })
  async function declared (select: string, batch: number, each: (rows: Rows) => void): Promise<void> {
    const client = await clients.connect()
    try {
      await client.query('BEGIN READ ONLY')
      await client.query(DECLARE + select)
      let rows: Rows
      do {
        rows = (await client.query(`FETCH FORWARD ${batch} FROM bench_stream`)).rows as Rows
        each(rows)
      } while (rows.length === batch)
      await client.query('ROLLBACK')
    } finally {
      client.release()
    }
  }
  return {
    name: 'pg',
    backends: await BackendCpu.start(url, name),
    async run (statementName, { text, values }) {
      return (await clients.query({ name: statementName, text, values })).rows as Rows
    },
    declared,
    // pg-cursor is not installed and the store does not use it: pg's cursor is the store's DECLARE/FETCH
    cursor: declared,
    async end () { await clients.end() }
  }
}

export async function porsager (url: string, pool: number): Promise<BenchDriver> {
  const name = 'relata-bench-driver-postgres'
  const sql = postgres(namedUrl(url, name), { max: pool, prepare: true, onnotice: () => {} })
  type Values = Parameters<typeof sql.unsafe>[1]
  return {
    name: 'postgres',
    backends: await BackendCpu.start(url, name),
    async run (_name, { text, values }) {
      return [...await sql.unsafe(text, values as Values, { prepare: true })] as Rows
    },
    async declared (select, batch, each) {
      await sql.begin('read only', async function read (tx) {
        await tx.unsafe(DECLARE + select)
        let rows: Rows
        do {
          rows = [...await tx.unsafe(`FETCH FORWARD ${batch} FROM bench_stream`)] as Rows
          each(rows)
        } while (rows.length === batch)
      })
    },
    async cursor (select, batch, each) {
      for await (const rows of sql.unsafe(select, [], { prepare: true }).cursor(batch)) each(rows as Rows)
    },
    async end () { await sql.end() }
  }
}
