// Builds (once) the sample shop at scale into a SQLite file under .bench-cache/ (gitignored):
// the store creates the schema, then the rows go in by bulk inserts on one connection, without
// the secondary indexes (rebuilt at the end, a sort each, much faster than row by row) and
// without syncing; the documents are serialized as upsertMany would. The file is keyed by size
// and a hash of the code that decides its content, and written under a temporary name first,
// so an interrupted build is never mistaken for a finished one.
import Database from 'better-sqlite3'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildMetadata, storeEntities } from '../../src/relata.js'
import {
  sampleCategories, sampleCustomers, sampleOrders, sampleProducts, type SampleSize
} from '../../src/sample/sample-data.js'
import { sampleModel } from '../../src/sample/sample-model.js'
import { serializeDoc } from '../../src/store/documents.js'
import { openStore } from '../../src/store/open-store.js'
import type { Doc } from '../../src/store/store.js'
import { sampleSize } from './dataset.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const CACHE = join(ROOT, '.bench-cache')
const SOURCES = ['src/sample/sample-data.ts', 'src/sample/sample-model.ts', 'src/store/sqlite/schema.ts',
  'src/store/sqlite/identifiers.ts', 'src/store/documents.ts', 'bench/lib/scale-dataset.ts']
const CHUNK = 10_000

export interface ScaleDataset {
  url: string
  size: SampleSize
  /** Seconds the build took; undefined when the cached file was used. */
  builtIn?: number
}

function codeHash (): string {
  const hash = createHash('sha256')
  for (const file of SOURCES) hash.update(readFileSync(join(ROOT, file)))
  return hash.digest('hex').slice(0, 12)
}

export async function scaleDataset (orders: number): Promise<ScaleDataset> {
  const size = sampleSize(orders)
  const prefix = `scale-${orders}-orders-`
  const path = join(CACHE, `${prefix}${codeHash()}.db`)
  if (existsSync(path)) return { url: `sqlite:${path}`, size }
  mkdirSync(CACHE, { recursive: true })
  for (const stale of readdirSync(CACHE).filter(name => name.startsWith(prefix))) rmSync(join(CACHE, stale))
  const partial = `${path}.partial-${process.pid}`
  const started = performance.now()
  try {
    await build(partial, size)
    renameSync(partial, path)
  } finally {
    for (const suffix of ['', '-wal', '-shm']) rmSync(partial + suffix, { force: true })
  }
  const builtIn = (performance.now() - started) / 1000
  console.error(`built ${path} (${(statSync(path).size / 1e9).toFixed(2)} GB) in ${builtIn.toFixed(0)} s`)
  return { url: `sqlite:${path}`, size, builtIn }
}

async function build (path: string, size: SampleSize): Promise<void> {
  // the store makes the tables, generated columns and indexes exactly as it serves them
  await (await openStore(`sqlite:${path}`, { entities: storeEntities(buildMetadata(sampleModel)) })).close()
  const db = new Database(path)
  try {
    db.pragma('journal_mode = DELETE')
    db.pragma('synchronous = OFF')
    const indexes = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
      .pluck().all() as string[]
    for (const name of db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
      .pluck().all() as string[]) db.exec(`DROP INDEX "${name}"`)
    const insert = (entity: string, docs: readonly Doc[]): void => {
      const statement = db.prepare(`INSERT INTO "${entity}" (id, doc) VALUES (?, ?)`)
      db.transaction(() => docs.forEach((doc, i) => statement.run(doc.id, serializeDoc(doc, i))))()
    }
    insert('Category', sampleCategories())
    insert('Customer', sampleCustomers(size.customers))
    insert('Product', sampleProducts(size.products))
    for (let from = 1; from <= size.orders; from += CHUNK) {
      const { orders, items } = sampleOrders(size, from, Math.min(CHUNK, size.orders - from + 1))
      insert('Order', orders)
      insert('OrderItem', items)
      if ((from - 1) % 200_000 === 0 && from > 1) console.error(`  ${(from - 1).toLocaleString('en-US')} orders`)
    }
    console.error('  rebuilding the indexes')
    for (const sql of indexes) db.exec(sql)
    db.pragma('journal_mode = WAL')
  } finally {
    db.close()
  }
}
