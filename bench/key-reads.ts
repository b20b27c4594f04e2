// Reads through key references cost what reads through ids cost: the same shop modelled both
// ways in one model (bench/lib/twin-shop.ts: Order → Customer by id, KOrder → KCustomer by the
// customer's `code`, and so on), served by one Relata server, `GET /api/orders/:id?with=all`
// against `GET /api/korders/:id?with=all`, and the page of 100 `with=all` likewise, interleaved
// (lib/load.ts), with store round trips per request. The graphs of both are checked to hold the
// same documents first. Expect ratios of 1.0 within noise. On a SQLite file and on PostgreSQL.
import { isDeepStrictEqual } from 'node:util'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildMetadata, storeEntities } from '../src/relata.js'
import { openStore } from '../src/store/open-store.js'
import type { Doc } from '../src/store/store.js'
import { benchMain } from './lib/bench-main.js'
import { spawnServer, type ServerChild } from './lib/child.js'
import { freshStore, storeKinds, storeLabel, type StoreKind } from './lib/fresh-store.js'
import { CONNECTIONS, DURATION_SEC, ROUNDS, compare, rejectedText, spreadIds } from './lib/load.js'
import { roundTripsPerRequest } from './lib/metrics.js'
import { markdownTable, ratio } from './lib/table.js'
import { orderId, TWIN_NAMES, twinDocs, twinShopModel, twinSize, type TwinSize } from './lib/twin-shop.js'

const ORDERS = Number(process.env.BENCH_ORDERS ?? 10_000)
const STORES = storeKinds(process.env.BENCH_KEY_STORES ?? 'sqlite,postgres')
const PAGE = 100
const CHUNK = 5000

async function load (url: string, size: TwinSize): Promise<void> {
  const store = await openStore(url, { entities: storeEntities(buildMetadata(twinShopModel)) })
  try {
    for (const name of TWIN_NAMES) {
      for (const entity of [name, `K${name}`]) {
        let chunk: Doc[] = []
        for (const doc of twinDocs(name, size, entity !== name)) {
          chunk.push(doc)
          if (chunk.length < CHUNK) continue
          await store.upsertMany(entity, chunk)
          chunk = []
        }
        if (chunk.length > 0) await store.upsertMany(entity, chunk)
      }
    }
  } finally {
    await store.close()
  }
}

type Graph = {
  entity: Doc
  parents: Record<string, Doc | null>
  children: Record<string, Record<string, Doc[]>>
  meta: { children: Record<string, { total: number, returned: number }> }
}

/** What a graph holds, by id, with the K of the key entities' names taken off. */
function contents (graph: Graph): unknown {
  const unK = (name: string): string => name.replace(/^K(?=[A-Z])/, '')
  return {
    id: graph.entity.id,
    parents: Object.fromEntries(Object.entries(graph.parents).map(([p, doc]) => [p, doc?.id ?? null])),
    children: Object.fromEntries(Object.entries(graph.children).map(([entity, byRef]) => [unK(entity),
      Object.fromEntries(Object.entries(byRef).map(([p, docs]) => [p, docs.map(d => d.id)]))])),
    meta: Object.fromEntries(Object.entries(graph.meta.children).map(([key, report]) =>
      [unK(key), [report.total, report.returned]]))
  }
}

async function getJson (url: string): Promise<unknown> {
  const res = await fetch(url)
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${await res.text()}`)
  return await res.json()
}

/** Both models answer graphs holding the same documents, with children, before anything is timed. */
async function expectSameGraphs (server: ServerChild, ids: readonly string[]): Promise<void> {
  for (const id of ids.slice(0, 20)) {
    const byId = contents(await getJson(`${server.url}/api/orders/${id}?with=all`) as Graph)
    const byKey = contents(await getJson(`${server.url}/api/korders/${id}?with=all`) as Graph)
    if (!isDeepStrictEqual(byId, byKey)) {
      throw new Error(`order ${id}: through ids ${JSON.stringify(byId)}, through keys ${JSON.stringify(byKey)}`)
    }
  }
  const page = (route: string) => getJson(`${server.url}/api/${route}?with=all&size=${PAGE}&page=3`)
  const [byId, byKey] = [await page('orders') as Graph[], await page('korders') as Graph[]]
  if (!isDeepStrictEqual(byId.map(contents), byKey.map(contents))) throw new Error('page 3: the graphs differ')
}

async function measure (kind: StoreKind, dir: string, size: TwinSize): Promise<Array<Array<string | number>>> {
  const fresh = await freshStore(kind, dir, `key_reads_${kind}_${size.orders}`)
  let server: ServerChild | undefined
  try {
    await load(fresh.url, size)
    await fresh.analyze()
    server = await spawnServer('app', {
      env: { DATABASE_URL: fresh.url, MODEL_PATH: join(dir, 'model.json') }
    })
    const ids = spreadIds(size.orders).map(orderId)
    await expectSameGraphs(server, ids)
    const pages = Math.floor(size.orders / PAGE)
    const pagePaths = (route: string) => Array.from({ length: pages },
      (_, i) => `/api/${route}?with=all&size=${PAGE}&page=${1 + ((i * 37) % pages)}`)
    const cases = [
      { name: 'GET /api/orders/:id?with=all (ids)', paths: ids.map(id => `/api/orders/${id}?with=all`) },
      { name: 'GET /api/korders/:id?with=all (keys)', paths: ids.map(id => `/api/korders/${id}?with=all`) },
      { name: `page of ${PAGE} with=all (ids)`, paths: pagePaths('orders') },
      { name: `page of ${PAGE} with=all (keys)`, paths: pagePaths('korders') }
    ]
    const trips: number[] = []
    for (const c of cases) trips.push(await roundTripsPerRequest(server.url, c.paths.slice(0, 50)))
    const results = await compare(cases.map(c => ({ ...c, url: server!.url })))
    return cases.map((c, i) => {
      const base = results[i - (i % 2)]!
      return [storeLabel(kind), c.name, results[i]!.requestsPerSec, ratio(results[i]!.requestsPerSec,
        base.requestsPerSec), results[i]!.latencyMeanMs, results[i]!.latencyP99Ms, trips[i]!,
      rejectedText(results[i]!)]
    })
  } finally {
    await server?.stop()
    await fresh.drop()
  }
}

async function main (): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'relata-bench-key-reads-'))
  try {
    await writeFile(join(dir, 'model.json'), JSON.stringify(twinShopModel))
    const size = twinSize(ORDERS)
    const rows: Array<Array<string | number>> = []
    for (const kind of STORES) rows.push(...await measure(kind, dir, size))
    console.log(`\n### Reads through key references vs through ids — ${ORDERS.toLocaleString('en-US')} orders ` +
      `(3 items each) modelled both ways, ${CONNECTIONS} connections, ${DURATION_SEC} s each in ${ROUNDS} ` +
      'interleaved rounds\n')
    console.log(markdownTable(['store', 'request', 'req/s', 'keys vs ids', 'mean ms', 'p99 ms',
      'store round trips per request', 'non-2xx'], rows))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

benchMain('key-reads', 30, main)
