// An empty store for one run of a bench: a new SQLite file in `dir`, or a new schema on the
// PostgreSQL server of PG_BENCH_URL (dropped again by `drop`), named after the run.
import { join } from 'node:path'
import { admin, pgSchemaUrl } from './pg-dataset.js'

export type StoreKind = 'sqlite' | 'postgres'

export interface FreshStore {
  /** The store's DATABASE_URL. */
  url: string
  /** Gathers the planner's statistics after loading (PostgreSQL's ANALYZE; SQLite's store needs none). */
  analyze: () => Promise<void>
  drop: () => Promise<void>
}

export function storeKinds (list: string): StoreKind[] {
  return list.split(',').map(kind => {
    if (kind !== 'sqlite' && kind !== 'postgres') throw new Error(`unknown store '${kind}' (sqlite, postgres)`)
    return kind
  })
}

export function storeLabel (kind: StoreKind): string {
  return kind === 'sqlite' ? 'SQLite file' : 'PostgreSQL'
}

export async function freshStore (kind: StoreKind, dir: string, name: string): Promise<FreshStore> {
  if (kind === 'sqlite') {
    return { url: `sqlite:${join(dir, `${name}.db`)}`, analyze: async () => {}, drop: async () => {} }
  }
  const schema = `relata_bench_${name.replaceAll('-', '_')}`
  await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`)
  return {
    url: pgSchemaUrl(schema),
    analyze: async () => {
      const { rows } = await admin(`SELECT tablename FROM pg_tables WHERE schemaname = '${schema}'`)
      const tables = (rows as Array<{ tablename: string }>).map(row => `${schema}."${row.tablename}"`)
      if (tables.length > 0) await admin(`ANALYZE ${tables.join(', ')}`)
    },
    drop: async () => { await admin(`DROP SCHEMA ${schema} CASCADE`) }
  }
}
