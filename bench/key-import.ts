// Importing order lines that name their product by SKU (`x-parent-key`) and their order by the
// webshop's id (`x-sources`, `?source=shop`) through `POST /api/order-lines/import`: batched
// resolution (BENCH_KEY_BATCH lines per batch, default 500: one lookup per relationship per
// batch) against one lookup per line. The baseline is the same route with `batchSize=1`: the
// same server, parsing, validation and write path, only every line resolved (and written) on its
// own, which is what resolving one record at a time costs; one request per line would add an HTTP
// round trip per line and flatter the batched side. Round trips are read from the server's
// `relata_store_queries_total`, by operation. On a SQLite file and on PostgreSQL (PG_BENCH_URL,
// a schema of its own per run), each run on a fresh store holding 1,000 products and the
// BENCH_LINES / 4 orders (default 25,000) imported from the shop first.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { benchMain } from './lib/bench-main.js'
import { spawnServer, type ServerChild } from './lib/child.js'
import { freshStore, storeKinds, storeLabel, type StoreKind } from './lib/fresh-store.js'
import { expectAllStored, postImport } from './lib/import-client.js'
import {
  keyShopModel, LINES_PER_ORDER, orderLineLines, orderLines, productLines, SOURCE, type Policy
} from './lib/key-shop.js'
import { storeQueriesByOp } from './lib/metrics.js'
import { markdownTable, ratio } from './lib/table.js'

const LINES = Number(process.env.BENCH_LINES ?? 100_000)
const BATCH = Number(process.env.BENCH_KEY_BATCH ?? 500)
/** Lines imported one lookup (or one batch) per line, reported as rates: PostgreSQL's take ~25 ms each. */
function onePerLine (kind: StoreKind): number {
  return Math.min(LINES, Number(process.env.BENCH_KEY_ONE_PER_LINE ?? (kind === 'sqlite' ? 20_000 : 2000)))
}
const STORES = storeKinds(process.env.BENCH_KEY_STORES ?? 'sqlite,postgres')
const SKU_POLICY = (process.env.BENCH_SKU_POLICY ?? 'reject') as Policy
const LOOKUPS = new Set(['getMany', 'getManyByKey', 'resolveLinks'])

interface Run {
  lines: number
  seconds: number
  batches: number
  /** Store round trips of the import, by operation. */
  trips: Map<string, number>
}

async function importLines (kind: StoreKind, dir: string, lines: number, batchSize: number,
  lookups: 'batched' | 'per-key' = 'batched'): Promise<Run> {
  const store = await freshStore(kind, dir, `keys_${kind}_${batchSize}_${lookups.replace('-', '_')}`)
  let server: ServerChild | undefined
  try {
    server = await spawnServer('app', {
      env: {
        DATABASE_URL: store.url,
        MODEL_PATH: join(dir, 'model.json'),
        HEAL_INTERVAL_MS: '0',
        // one round trip waiting on a busy shared machine must not fail the run
        STORE_TIMEOUT_MS: '60000',
        BENCH_STORE_LOOKUPS: lookups
      }
    })
    const orders = Math.ceil(lines / LINES_PER_ORDER)
    expectAllStored('products', await postImport(server.url, '/api/products/import', productLines()), 1000)
    const ordersPath = `/api/orders/import?source=${SOURCE}&batchSize=1000`
    expectAllStored(ordersPath, await postImport(server.url, ordersPath, orderLines(0, orders)), orders)

    const body = orderLineLines(0, lines)
    const path = `/api/order-lines/import?source=${SOURCE}&batchSize=${batchSize}`
    const before = await storeQueriesByOp(server.url)
    const started = performance.now()
    const report = await postImport(server.url, path, body)
    const seconds = (performance.now() - started) / 1000
    const after = await storeQueriesByOp(server.url)
    expectAllStored(path, report, lines)
    await expectResolved(server.url)
    const trips = new Map([...after].map(([op, n]) => [op, n - (before.get(op) ?? 0)]).filter(([, n]) => n !== 0) as
      Array<[string, number]>)
    return { lines, seconds, batches: report.batches, trips }
  } finally {
    await server?.stop()
    await store.drop()
  }
}

/** The first line reads back with its references resolved: the order's Relata id, the SKU as sent. */
async function expectResolved (baseUrl: string): Promise<void> {
  const res = await fetch(`${baseUrl}/api/order-lines/${SOURCE}:l0`)
  const line = await res.json() as Record<string, unknown>
  if (res.status !== 200 || line.orderId !== `${SOURCE}:o0` || typeof line.productSku !== 'string') {
    throw new Error(`GET /api/order-lines/${SOURCE}:l0 answered ${res.status} ${JSON.stringify(line)}`)
  }
}

function perBatch (run: Run): { lookups: number, trips: number, ops: string } {
  let lookups = 0
  let trips = 0
  for (const [op, n] of run.trips) {
    trips += n
    if (LOOKUPS.has(op)) lookups += n
  }
  const ops = [...run.trips].sort().map(([op, n]) => `${op} ${(n / run.batches).toFixed(2)}`).join(', ')
  return { lookups: lookups / run.batches, trips: trips / run.batches, ops }
}

async function main (): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'relata-bench-keys-'))
  try {
    const model = keyShopModel({ skuPolicy: SKU_POLICY, orderPolicy: 'reject' })
    await writeFile(join(dir, 'model.json'), JSON.stringify(model))
    const rows: Array<Array<string | number>> = []
    for (const kind of STORES) {
      const batched = await importLines(kind, dir, LINES, BATCH)
      const perKey = await importLines(kind, dir, onePerLine(kind), BATCH, 'per-key')
      const single = await importLines(kind, dir, onePerLine(kind), 1)
      const baseline = single.lines / single.seconds
      const runs = [[`batches of ${BATCH}`, batched], [`batches of ${BATCH}, one lookup per line`, perKey],
        ['one line per batch', single]] as const
      for (const [name, run] of runs) {
        const per = perBatch(run)
        rows.push([storeLabel(kind), name, run.lines, run.seconds,
          run.lines / run.seconds, ratio(run.lines / run.seconds, baseline), run.batches, per.lookups, per.trips,
          per.ops])
      }
    }
    console.log(`\n### Importing ${LINES.toLocaleString('en-US')} order lines referencing products by SKU ` +
      `(policy ${SKU_POLICY}) and orders by the shop's ids (policy reject)\n`)
    console.log(markdownTable(['store', 'import', 'lines', 'seconds', 'lines/s', 'vs one per line', 'batches',
      'lookups per batch', 'round trips per batch', 'round trips per batch, by operation'], rows))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

benchMain('key-import', 30, main)
