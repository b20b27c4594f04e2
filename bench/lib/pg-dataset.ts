// Sample shop data in PostgreSQL for the benches: one schema per size (the tables Relata's
// store creates, written through its upsertMany), kept between runs and marked finished by a
// table of its own, so that an interrupted build is rebuilt. PG_BENCH_URL names the server
// (default PG_TEST_URL, then the role and database .ci/postgres.sh creates).
import pg from 'pg'
import { generate, sampleSize } from './dataset.js'

export const PG_BENCH_URL = process.env.PG_BENCH_URL ?? process.env.PG_TEST_URL ??
  'postgres://relata_test:relata_test@127.0.0.1:5432/relata_test'

/** Runs `sql` on PG_BENCH_URL over a connection of its own (schemas, ANALYZE). */
export async function admin (sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: PG_BENCH_URL })
  await client.connect()
  try {
    return await client.query(sql)
  } finally {
    await client.end()
  }
}

/** PG_BENCH_URL working in `schema`. */
export function pgSchemaUrl (schema: string): string {
  const url = new URL(PG_BENCH_URL)
  url.searchParams.set('options', `-c search_path=${schema}`)
  return url.toString()
}

/** The URL of a schema holding `orders` sample orders with `itemsPerOrder` items each. */
export async function pgDataset (orders: number, itemsPerOrder = 3): Promise<string> {
  const schema = `relata_bench_${orders}_${itemsPerOrder}`
  const url = pgSchemaUrl(schema)
  const { rows } = await admin(`SELECT to_regclass('${schema}.bench_done') IS NOT NULL AS done`)
  if ((rows[0] as { done: boolean }).done) return url
  const started = performance.now()
  await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`)
  await generate(url, sampleSize(orders, itemsPerOrder))
  const tables = ['Category', 'Customer', 'Product', 'Order', 'OrderItem'].map(name => `${schema}."${name}"`)
  await admin(`ANALYZE ${tables.join(', ')}; CREATE TABLE ${schema}.bench_done ()`)
  console.error(`generated PostgreSQL schema ${schema} (${orders.toLocaleString('en-US')} orders) in ` +
    `${((performance.now() - started) / 1000).toFixed(1)} s`)
  return url
}
