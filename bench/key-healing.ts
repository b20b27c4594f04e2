// Healing by source id and by key: BENCH_LINES order lines (default 100,000) sent by the shop
// before their BENCH_LINES / 4 orders, parked through the write path (`x-on-missing-parent:
// park`, each remembering the shop's order id it waits for), then the orders arrive from the
// shop (their links written with them) and the healer's sweep stores every line: one
// resolveLinks per batch finds their orders, one moveMany moves them. Batched (HEAL_BATCH_SIZE,
// default 500) against the same healer one record at a time (batches of 1), and against the same
// lines waiting by Relata id (a getMany per batch) and by a product's SKU (`x-parent-key`, a
// getManyByKey per batch, BENCH_LINES / 4 products), as bench/healing.ts does for ids: records/s,
// ratio, store round trips per batch, on a SQLite file (then with BENCH_HEAL_LATENCY_MS added per
// round trip) and on PostgreSQL.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Healer } from '../src/integrity/healer.js'
import { buildMetadata, Relata, storeEntities } from '../src/relata.js'
import { openStore } from '../src/store/open-store.js'
import { benchMain } from './lib/bench-main.js'
import { freshStore, storeKinds, storeLabel, type StoreKind } from './lib/fresh-store.js'
import { keyShopModel, LINES_PER_ORDER, SOURCE } from './lib/key-shop.js'
import { withLatency } from './lib/remote-store.js'
import { markdownTable, ratio } from './lib/table.js'

const LINES = Number(process.env.BENCH_LINES ?? 100_000)
const BATCH = Number(process.env.HEAL_BATCH_SIZE ?? 500)
const LATENCY_MS = Number(process.env.BENCH_HEAL_LATENCY_MS ?? 1)
/** Records healed one at a time, reported as a rate: PostgreSQL takes ~12 ms for each. */
const ONE_AT_A_TIME = (kind: StoreKind): number =>
  Number(process.env.BENCH_KEY_HEAL_ONE_AT_A_TIME ?? (kind === 'sqlite' ? 20_000 : 2000))
const STORES = storeKinds(process.env.BENCH_KEY_STORES ?? 'sqlite,postgres')
const CHUNK = 5000

type Reference = 'source id' | 'Relata id' | 'SKU'

const byOrder = buildMetadata(keyShopModel({ skuPolicy: 'allow', orderPolicy: 'park' }))
const bySku = buildMetadata(keyShopModel({ skuPolicy: 'park', orderPolicy: 'allow' }))
const metadataFor = (by: Reference) => by === 'SKU' ? bySku : byOrder

interface Run { records: number, seconds: number, roundTrips: number, ops: Map<string, number> }

/** Parks `lines` order lines waiting on their orders (or products), then writes those: ready to heal. */
async function parkThenAddParents (relata: Relata, lines: number, by: Reference): Promise<void> {
  const options = by === 'source id' ? { source: SOURCE } : {}
  const parent = (i: number): number => Math.floor(i / LINES_PER_ORDER)
  for (let start = 0; start < lines; start += CHUNK) {
    const chunk = Array.from({ length: Math.min(CHUNK, lines - start) }, (_, k) => {
      const i = start + k
      return { id: `l${i}`, orderId: `o${parent(i)}`, productSku: `S-${parent(i)}`, quantity: 1 }
    })
    const { parked } = await relata.entity('OrderLine').write(chunk, options)
    if (parked.length !== chunk.length) throw new Error(`parked ${parked.length} of ${chunk.length}`)
  }
  const parents = parent(lines - 1) + 1
  for (let start = 0; start < parents; start += CHUNK) {
    const ns = Array.from({ length: Math.min(CHUNK, parents - start) }, (_, k) => start + k)
    if (by === 'SKU') await relata.entity('Product').write(ns.map(n => ({ id: `p${n}`, sku: `S-${n}`, price: 1 })))
    else await relata.entity('Order').write(ns.map(n => ({ id: `o${n}`, total: 9 })), options)
  }
}

async function heal (kind: StoreKind, dir: string, lines: number, batchSize: number, latencyMs: number,
  by: Reference): Promise<Run> {
  const fresh = await freshStore(kind, dir, `key_heal_${kind}_${batchSize}_${latencyMs}_${by.replace(' ', '_')}`)
  const ops = new Map<string, number>()
  const metadata = metadataFor(by)
  const store = await openStore(fresh.url, {
    entities: storeEntities(metadata),
    onQuery: (_entity, op) => { ops.set(op, (ops.get(op) ?? 0) + 1) }
  })
  try {
    // no healer listens to these writes: the orders arrive with every line still parked
    await parkThenAddParents(new Relata(metadata, store), lines, by)
    ops.clear()
    const healer = new Healer(metadata, latencyMs > 0 ? withLatency(store, latencyMs) : store, {
      batchSize,
      maxAgeMs: 3_600_000
    })
    const started = performance.now()
    const healed = await healer.run()
    const seconds = (performance.now() - started) / 1000
    if (healed !== lines) throw new Error(`healed ${healed} of ${lines}`)
    const roundTrips = [...ops.values()].reduce((a, b) => a + b, 0)
    const after = new Map(ops)
    await expectHealed(store, lines, by)
    return { records: lines, seconds, roundTrips, ops: after }
  } finally {
    await store.close()
    await fresh.drop()
  }
}

/** Nothing stays parked, and the first line now holds its order's Relata id (or its SKU, as sent). */
async function expectHealed (store: Awaited<ReturnType<typeof openStore>>, lines: number,
  by: Reference): Promise<void> {
  const left = await store.find('Parked_OrderLine', { page: 1, size: 1 })
  if (left.total !== 0) throw new Error(`${left.total} of ${lines} records still parked`)
  const id = by === 'source id' ? `${SOURCE}:l0` : 'l0'
  const line = await store.get('OrderLine', id)
  const orderId = by === 'source id' ? `${SOURCE}:o0` : 'o0'
  if (line?.orderId !== orderId || line.productSku !== 'S-0') {
    throw new Error(`OrderLine ${id} holds ${JSON.stringify(line)}`)
  }
}

function opsText (run: Run, batches: number): string {
  return [...run.ops].sort().map(([op, n]) => `${op} ${(n / batches).toFixed(2)}`).join(', ')
}

async function main (): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'relata-bench-key-heal-'))
  try {
    const rows: Array<Array<string | number>> = []
    const compare = async (kind: StoreKind, label: string, latencyMs: number, oneAtATime: number,
      others: boolean) => {
      const run = async (lines: number, size: number, by: Reference) =>
        await heal(kind, dir, lines, size, latencyMs, by)
      const runs: Array<[string, Run, number]> = [
        [`source ids, batches of ${BATCH}`, await run(LINES, BATCH, 'source id'), BATCH],
        ['source ids, one record at a time', await run(oneAtATime, 1, 'source id'), 1]
      ]
      if (others) {
        runs.push([`Relata ids, batches of ${BATCH}`, await run(LINES, BATCH, 'Relata id'), BATCH])
        runs.push([`SKU (x-parent-key), batches of ${BATCH}`, await run(LINES, BATCH, 'SKU'), BATCH])
      }
      const single = runs[1]![1]
      for (const [name, run, size] of runs) {
        const batches = Math.ceil(run.records / size)
        rows.push([label, name, run.records, run.seconds, run.records / run.seconds,
          ratio(run.records / run.seconds, single.records / single.seconds), run.roundTrips,
          run.roundTrips / batches, opsText(run, batches)])
      }
    }
    for (const kind of STORES) {
      await compare(kind, storeLabel(kind), 0, Math.min(LINES, ONE_AT_A_TIME(kind)), true)
      if (kind === 'sqlite' && LATENCY_MS > 0) {
        await compare(kind, `SQLite + ${LATENCY_MS} ms per round trip`, LATENCY_MS,
          Math.min(LINES, Number(process.env.BENCH_KEY_HEAL_ONE_AT_A_TIME_LATENCY ?? 2000)), false)
      }
    }
    console.log(`\n### Healing ${LINES.toLocaleString('en-US')} order lines parked before their ` +
      `${Math.ceil(LINES / LINES_PER_ORDER).toLocaleString('en-US')} orders (or products)\n`)
    console.log(markdownTable(['store', 'references, healer', 'records', 'seconds', 'records/s',
      'vs one at a time', 'store round trips', 'per batch', 'per batch, by operation'], rows))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

benchMain('key-healing', 30, main)
