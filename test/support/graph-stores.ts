// The stores that build graphs themselves (GRAPHS_IN_STORE), each with an empty database of its
// own for one test that two apps can share: PostgreSQL a schema on the test server, SQLite a
// file in a temporary directory. Both are removed when the test ends.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { createSchema, dropSchema, schemaUrl } from './postgres.js'

export const GRAPH_STORES = ['postgres', 'sqlite'] as const
export type GraphStore = typeof GRAPH_STORES[number]

/** A DATABASE_URL on an empty database; `application` names PostgreSQL's connections. */
export async function graphStoreUrl (t: Test, store: GraphStore, application?: string): Promise<string> {
  if (store === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'relata-graphs-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    return `sqlite:${join(dir, 'graphs.db')}`
  }
  const schema = await createSchema()
  t.teardown(() => dropSchema(schema))
  return schemaUrl(schema, application)
}
