// What keeping each document's original text beside its jsonb costs on PostgreSQL (the store
// keeps both so that documents keep the key order they were written in, as on the other
// stores; jsonb alone sorts keys), against jsonb alone: writes of the sample orders in batches
// of 500, reads of pages of 100 by id, table size. Needs PG_TEST_URL (see .ci/postgres.sh).
import pg from 'pg'
import { sampleOrders } from '../src/sample/sample-data.js'

const URL = process.env.PG_TEST_URL ?? 'postgres://relata_test:relata_test@127.0.0.1:5432/relata_test'
const ORDERS = 20_000
const BATCH = 500
const PAGES = 2000

interface Layout { name: string, create: string, insert: string, read: string }

const LAYOUTS: Layout[] = [
  {
    name: 'jsonb + original text (the store)',
    create: 'CREATE TABLE bench_doc (id text COLLATE "C" PRIMARY KEY, doc jsonb NOT NULL, body text NOT NULL)',
    insert: `INSERT INTO bench_doc (id, doc, body)
      SELECT e ->> 'id', e::jsonb, e::text FROM json_array_elements($1::json) e
      ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, body = excluded.body`,
    read: 'SELECT body FROM bench_doc WHERE id > $1::text ORDER BY id LIMIT 100'
  },
  {
    name: 'jsonb alone (keys reordered)',
    create: 'CREATE TABLE bench_doc (id text COLLATE "C" PRIMARY KEY, doc jsonb NOT NULL)',
    insert: `INSERT INTO bench_doc (id, doc) SELECT e ->> 'id', e FROM jsonb_array_elements($1::jsonb) e
      ON CONFLICT (id) DO UPDATE SET doc = excluded.doc`,
    read: 'SELECT doc::text AS body FROM bench_doc WHERE id > $1::text ORDER BY id LIMIT 100'
  }
]

async function measure (client: pg.Client, layout: Layout, texts: string[], ids: string[]): Promise<string[]> {
  await client.query('DROP TABLE IF EXISTS bench_doc')
  await client.query(layout.create)
  let started = performance.now()
  for (let i = 0; i < texts.length; i += BATCH) {
    await client.query(layout.insert, [`[${texts.slice(i, i + BATCH).join(',')}]`])
  }
  const write = texts.length / ((performance.now() - started) / 1000)
  await client.query('VACUUM ANALYZE bench_doc')
  started = performance.now()
  for (let i = 0; i < PAGES; i++) {
    const { rows } = await client.query(layout.read, [ids[(i * 97) % (ids.length - 100)]])
    for (const row of rows) JSON.parse(row.body as string)
  }
  const read = PAGES / ((performance.now() - started) / 1000)
  const { rows } = await client.query("SELECT pg_total_relation_size('bench_doc') AS bytes")
  await client.query('DROP TABLE bench_doc')
  return [
    layout.name,
    `${Math.round(write)} docs/s`,
    `${Math.round(read)} pages/s`,
    `${(Number(rows[0].bytes) / 2 ** 20).toFixed(1)} MiB`
  ]
}

const client = new pg.Client({ connectionString: URL })
await client.connect()
await client.query('CREATE SCHEMA IF NOT EXISTS bench; SET search_path = bench')
const orders = sampleOrders({ customers: 500, products: 200, orders: ORDERS, itemsPerOrder: 4 }).orders
const texts = orders.map(order => JSON.stringify(order))
const ids = orders.map(order => order.id).sort()
console.log(
  `${ORDERS} sample orders, ${Math.round(texts.join('').length / ORDERS)} bytes each; writes in batches ` +
    `of ${BATCH}, ${PAGES} pages of 100\n`
)
console.log('| layout | writes | reads (parsed) | table + indexes |\n| --- | --- | --- | --- |')
for (const layout of LAYOUTS) console.log(`| ${(await measure(client, layout, texts, ids)).join(' | ')} |`)
await client.query('DROP SCHEMA bench CASCADE')
await client.end()
