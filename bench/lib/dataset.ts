// Builds (once) a SQLite file of sample shop data in os.tmpdir(), sized by the number of
// orders, through the project's own store adapter and upsertMany in batches. The file is
// cached between runs, keyed by the size and a hash of the code that decides its content
// (adapter, sample data, model), and written under a temporary name first so that an
// interrupted build is never mistaken for a finished one. Other versions' files of the same size
// are removed once they are six hours old, so that benches of several checkouts can run at once.
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildMetadata, storeEntities } from '../../src/relata.js'
import {
  sampleCategories,
  sampleCustomers,
  sampleOrders,
  sampleProducts,
  type SampleSize
} from '../../src/sample/sample-data.js'
import { sampleModel } from '../../src/sample/sample-model.js'
import { openStore } from '../../src/store/open-store.js'
import type { Doc, Store } from '../../src/store/store.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BATCH = 5000
const SIDECARS = ['', '-wal', '-shm']
/** How long another version's file is left alone: longer than any bench runs. */
const STALE_MS = 6 * 3600_000

export interface Dataset {
  path: string
  url: string
  size: SampleSize
}

/** A realistic shop for `orders` orders: 3 items each (or `itemsPerOrder`), one customer per 10 orders. */
export function sampleSize (orders: number, itemsPerOrder = 3): SampleSize {
  return { orders, itemsPerOrder, customers: Math.max(20, Math.min(100_000, Math.round(orders / 10))), products: 1000 }
}

export async function dataset (orders: number, itemsPerOrder = 3): Promise<Dataset> {
  const size = sampleSize(orders, itemsPerOrder)
  const prefix = `relata-bench-${orders}-orders-${itemsPerOrder === 3 ? '' : `${itemsPerOrder}-items-`}`
  const path = join(tmpdir(), `${prefix}${codeHash()}.db`)
  if (!existsSync(path)) {
    removeStale(prefix)
    const partial = `${path}.partial-${process.pid}`
    const started = performance.now()
    try {
      await generate(`sqlite:${partial}`, size)
      for (const suffix of SIDECARS) if (existsSync(partial + suffix)) renameSync(partial + suffix, path + suffix)
    } finally {
      for (const suffix of SIDECARS) rmSync(partial + suffix, { force: true })
    }
    const mb = statSync(path).size / 1e6
    console.error(
      `generated ${path} (${orders.toLocaleString('en-US')} orders, ${mb.toFixed(0)} MB) ` +
        `in ${((performance.now() - started) / 1000).toFixed(1)} s`
    )
  }
  return { path, url: `sqlite:${path}`, size }
}

/** Writes the sample shop of `size` into the store of `url` through upsertMany. */
export async function generate (url: string, size: SampleSize): Promise<void> {
  const store = await openStore(url, { entities: storeEntities(buildMetadata(sampleModel)) })
  try {
    await upsertInBatches(store, 'Category', sampleCategories())
    await upsertInBatches(store, 'Customer', sampleCustomers(size.customers))
    await upsertInBatches(store, 'Product', sampleProducts(size.products))
    for (let from = 1; from <= size.orders; from += BATCH) {
      const { orders, items } = sampleOrders(size, from, Math.min(BATCH, size.orders - from + 1))
      await upsertInBatches(store, 'Order', orders)
      await upsertInBatches(store, 'OrderItem', items)
      if (from % 100_000 === 1 && from > 1) console.error(`  ${(from - 1).toLocaleString('en-US')} orders written`)
    }
  } finally {
    await store.close()
  }
}

async function upsertInBatches (store: Store, entity: string, docs: readonly Doc[]): Promise<void> {
  for (let i = 0; i < docs.length; i += BATCH) await store.upsertMany(entity, docs.slice(i, i + BATCH))
}

/**
 * Files of the same size built by other versions of the code take gigabytes; drop those not
 * written for STALE_MS. A younger one may be another checkout's, served by a bench running now
 * (or still being built): removed, its next server child could not open it.
 */
function removeStale (prefix: string): void {
  const now = Date.now()
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(prefix)) continue
    const file = join(tmpdir(), name)
    const modified = statSync(file, { throwIfNoEntry: false })?.mtimeMs
    if (modified !== undefined && now - modified > STALE_MS) rmSync(file, { force: true })
  }
}

function codeHash (): string {
  const hash = createHash('sha256')
  const files = [
    'src/store/open-store.ts',
    'src/sample/sample-data.ts',
    'src/sample/sample-model.ts',
    ...listTs('src/store/sqlite')
  ]
  for (const file of files) {
    hash.update(file)
    if (existsSync(join(ROOT, file))) hash.update(readFileSync(join(ROOT, file)))
  }
  return hash.digest('hex').slice(0, 10)
}

function listTs (dir: string): string[] {
  const abs = join(ROOT, dir)
  if (!existsSync(abs)) return []
  return readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .filter(f => f.endsWith('.ts'))
    .sort()
    .map(f => join(dir, f))
}
