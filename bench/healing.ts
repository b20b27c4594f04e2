// Healing throughput: 100,000 order items parked before their orders (BENCH_HEAL_RECORDS), then
// the orders arrive and the healer stores them all. Batched (HEAL_BATCH_SIZE-sized batches: one
// getMany and one moveMany per batch) against the same healer one record at a time (batches of
// 1), on a SQLite file, then with BENCH_HEAL_LATENCY_MS (default 1 ms) added to every store
// round trip, as with a database on another host. One-at-a-time runs over the first
// BENCH_HEAL_ONE_AT_A_TIME records (default: all locally, 2,000 with latency) and is reported
// as a rate, so the comparison is records/s against records/s.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Healer } from '../src/integrity/healer.js'
import type { ParkedRecord } from '../src/integrity/parked.js'
import { storeEntities } from '../src/relata.js'
import { openStore } from '../src/store/open-store.js'
import type { Store } from '../src/store/store.js'
import { benchMain } from './lib/bench-main.js'
import { parkingMetadata as metadata } from './lib/parking-model.js'
import { withLatency } from './lib/remote-store.js'
import { markdownTable, ratio } from './lib/table.js'

const RECORDS = Number(process.env.BENCH_HEAL_RECORDS ?? 100_000)
const BATCH = Number(process.env.HEAL_BATCH_SIZE ?? 500)
const LATENCY_MS = Number(process.env.BENCH_HEAL_LATENCY_MS ?? 1)
const ITEMS_PER_ORDER = 4

interface Run { records: number, seconds: number, roundTrips: number }

/** A fresh store with `records` items parked and their orders present, ready to heal. */
async function parkedStore (
  dir: string,
  name: string,
  records: number
): Promise<{ store: Store, trips: () => number }> {
  let trips = 0
  const store = await openStore(`sqlite:${join(dir, `${name}.db`)}`, {
    entities: storeEntities(metadata),
    onQuery: () => {
      trips++
    }
  })
  const parkedAt = new Date().toISOString()
  for (let start = 0; start < records; start += 5000) {
    const chunk: ParkedRecord[] = []
    for (let i = start; i < Math.min(records, start + 5000); i++) {
      const orderId = `ord-${Math.floor(i / ITEMS_PER_ORDER)}`
      const id = `item-${String(i).padStart(7, '0')}`
      chunk.push({
        id,
        rev: '1',
        doc: { id, orderId, quantity: 1 + (i % 3) },
        missing: [{ property: 'orderId', target: 'Order', id: orderId }],
        parkedAt
      })
    }
    await store.upsertMany('Parked_OrderItem', chunk)
  }
  const orders = Math.ceil(records / ITEMS_PER_ORDER)
  for (let start = 0; start < orders; start += 5000) {
    await store.upsertMany(
      'Order',
      Array.from({ length: Math.min(5000, orders - start) }, (_, i) => ({ id: `ord-${start + i}`, total: 10 }))
    )
  }
  return { store, trips: () => trips }
}

async function heal (dir: string, name: string, records: number, batchSize: number, latencyMs: number): Promise<Run> {
  const { store, trips } = await parkedStore(dir, name, records)
  try {
    const healer = new Healer(metadata, latencyMs > 0 ? withLatency(store, latencyMs) : store, {
      batchSize,
      maxAgeMs: 3_600_000
    })
    const before = trips()
    const started = performance.now()
    const healed = await healer.run()
    const seconds = (performance.now() - started) / 1000
    if (healed !== records) throw new Error(`healed ${healed} of ${records}`)
    const left = await store.find('Parked_OrderItem', { page: 1, size: 1 })
    if (left.total !== 0) throw new Error(`${left.total} records still parked`)
    return { records, seconds, roundTrips: trips() - before }
  } finally {
    await store.close()
  }
}

async function main (): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'relata-bench-heal-'))
  try {
    const rows: Array<Array<string | number>> = []
    const compare = async (label: string, latencyMs: number, oneAtATime: number) => {
      const batched = await heal(dir, `batched-${latencyMs}`, RECORDS, BATCH, latencyMs)
      const single = await heal(dir, `single-${latencyMs}`, oneAtATime, 1, latencyMs)
      for (const [name, run] of [[`batches of ${BATCH}`, batched], ['one record at a time', single]] as const) {
        rows.push([
          label,
          name,
          run.records,
          run.seconds,
          run.records / run.seconds,
          ratio(run.records / run.seconds, single.records / single.seconds),
          run.roundTrips
        ])
      }
    }
    await compare('SQLite file', 0, Number(process.env.BENCH_HEAL_ONE_AT_A_TIME ?? RECORDS))
    if (LATENCY_MS > 0) {
      await compare(
        `SQLite + ${LATENCY_MS} ms per round trip`,
        LATENCY_MS,
        Number(process.env.BENCH_HEAL_ONE_AT_A_TIME ?? 2000)
      )
    }
    console.log(`\n### Healing ${RECORDS.toLocaleString('en-US')} parked order items once their orders exist\n`)
    console.log(
      markdownTable(
        ['store', 'healer', 'records', 'seconds', 'records/s', 'vs one at a time', 'store round trips'],
        rows
      )
    )
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

benchMain('healing', 30, main)
