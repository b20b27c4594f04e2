// The healer at scale: BENCH_HEAL_SCALE_RECORDS order items (default 1,000,000) parked through
// the write path while their orders are missing, 3 per order, then BENCH_HEAL_SCALE_WRITES
// single-order writes (default 1,000), each completing 3 of them. For each write: the time from
// the write to its heal being done, the parked records the store handed out (rows read) and the
// store round trips. Runs on the code it sits in, so the same script measures the commit before
// the indexed lookup (a poke then sweeps every parked record) and the one after.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Healer } from '../src/integrity/healer.js'
import { Relata, storeEntities } from '../src/relata.js'
import { openStore } from '../src/store/open-store.js'
import { rowCounter } from '../test/support/row-counter.js'
import { benchMain } from './lib/bench-main.js'
import { parkingMetadata as metadata } from './lib/parking-model.js'
import { markdownTable } from './lib/table.js'

const RECORDS = Number(process.env.BENCH_HEAL_SCALE_RECORDS ?? 1_000_000)
const WRITES = Number(process.env.BENCH_HEAL_SCALE_WRITES ?? 1000)
const STORE = process.env.BENCH_HEAL_SCALE_STORE ?? 'sqlite'
const ITEMS_PER_ORDER = 3
const CHUNK = 5000

function percentile (sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!
}

async function main (): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'relata-bench-heal-scale-'))
  const url = STORE === 'memory' ? 'memory:' : `sqlite:${join(dir, 'parked.db')}`
  let trips = 0
  const counter = rowCounter()
  const store = counter.wrap(await openStore(url, { entities: storeEntities(metadata), onQuery: () => { trips++ } }))
  try {
    const relata = new Relata(metadata, store)
    const healer = new Healer(metadata, store, { batchSize: 500, maxAgeMs: 3_600_000 })
    let heal: Promise<number> | undefined
    relata.onIntegrityEvents({
      // the same wiring as plugins/healer.ts; the code before the index took no ids
      stored: (entity, docs) => { heal = healer.stored(entity, docs) },
      parked: (entity, count) => healer.parked(entity, count)
    })

    const building = performance.now()
    const items = relata.entity('OrderItem')
    for (let start = 0; start < RECORDS; start += CHUNK) {
      const chunk = Array.from({ length: Math.min(CHUNK, RECORDS - start) }, (_, k) => {
        const i = start + k
        const orderId = `ord-${Math.floor(i / ITEMS_PER_ORDER)}`
        return { id: `item-${String(i).padStart(7, '0')}`, orderId, quantity: 1 }
      })
      const { parked } = await items.write(chunk)
      if (parked.length !== chunk.length) throw new Error(`parked ${parked.length} of ${chunk.length}`)
    }
    const buildSeconds = (performance.now() - building) / 1000
    console.log(`parked ${RECORDS.toLocaleString('en-US')} records in ${buildSeconds.toFixed(1)} s (${STORE})`)

    const orders = Math.floor(RECORDS / ITEMS_PER_ORDER)
    const stride = Math.max(1, Math.floor(orders / WRITES))
    const ms: number[] = []
    let rows = 0
    let roundTrips = 0
    for (let w = 0; w < WRITES; w++) {
      counter.reset()
      const before = trips
      const started = performance.now()
      heal = undefined
      await relata.entity('Order').write({ id: `ord-${(w * stride) % orders}`, total: 1 })
      const healed = await heal
      ms.push(performance.now() - started)
      if (healed !== ITEMS_PER_ORDER) throw new Error(`write ${w} healed ${String(healed)}, not ${ITEMS_PER_ORDER}`)
      rows += counter.rows().Parked_OrderItem ?? 0
      roundTrips += trips - before
    }
    ms.sort((a, b) => a - b)
    const mean = ms.reduce((a, b) => a + b, 0) / ms.length
    const lookup = 'settled' in healer ? 'indexed lookup' : 'sweep of every parked record'
    console.log(`\n### ${WRITES.toLocaleString('en-US')} single-order writes, each healing ${ITEMS_PER_ORDER} of ` +
      `${RECORDS.toLocaleString('en-US')} parked records (${STORE})\n`)
    console.log(markdownTable(
      ['poke', 'writes', 'ms per write + heal (mean)', 'p50', 'p99', 'parked rows read per poke',
        'round trips per poke'],
      [[lookup, WRITES.toLocaleString('en-US'), mean, percentile(ms, 0.5), percentile(ms, 0.99),
        rows / WRITES, roundTrips / WRITES]]))
  } finally {
    await store.close()
    await rm(dir, { recursive: true, force: true })
  }
}

benchMain('healing-scale', 60, main)
