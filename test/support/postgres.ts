// The PostgreSQL server the tests run against: PG_TEST_URL, else the one .ci/postgres.sh
// creates. Every store a test opens lives in a schema of its own (dropped when the store
// closes), so test files and tests run in parallel on one database. An unreachable server
// fails the tests: they never skip.
import pg from 'pg'
import { openStore } from '../../src/store/open-store.js'
import type { Store, StoreOptions } from '../../src/store/store.js'

export const PG_TEST_URL = process.env.PG_TEST_URL ?? 'postgres://relata_test:relata_test@127.0.0.1:5432/relata_test'

let schemas = 0

/** A fresh schema's name, unique across the processes of a test run. */
export function schemaName (): string {
  return `relata_test_${process.pid}_${++schemas}_${Date.now().toString(36)}`
}

/** PG_TEST_URL with its search_path set to `schema`, and an application name to find its connections by. */
export function schemaUrl (schema: string, applicationName?: string): string {
  const url = new URL(PG_TEST_URL)
  url.searchParams.set('options', `-c search_path=${schema}`)
  if (applicationName !== undefined) url.searchParams.set('application_name', applicationName)
  return url.toString()
}

/** Runs statements as the test role on a connection of its own. */
export async function admin (sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: PG_TEST_URL })
  await client.connect()
  try {
    return await client.query(sql, params)
  } finally {
    await client.end()
  }
}

export async function createSchema (): Promise<string> {
  const schema = schemaName()
  await admin(`CREATE SCHEMA "${schema}"`)
  return schema
}

export async function dropSchema (schema: string): Promise<void> {
  await admin(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
}

/** Opens the store in a new, empty schema; closing the store drops the schema. */
export async function openPostgresTestStore (options: StoreOptions): Promise<Store> {
  const schema = await createSchema()
  const store = await openStore(schemaUrl(schema), options)
  const close = store.close.bind(store)
  store.close = async function closeAndDrop () {
    await close()
    await dropSchema(schema)
  }
  return store
}

/** Ends the server connections of one application (as named in schemaUrl); resolves to how many. */
export async function terminateConnections (applicationName: string): Promise<number> {
  const { rows } = await admin(`SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity
    WHERE application_name = $1 AND pid <> pg_backend_pid()`, [applicationName])
  return Number((rows[0] as { n: string }).n)
}

/** Waits until a connection of the application waits for a lock. */
export async function waitingOnLock (applicationName: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { rows } = await admin(
      "SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
      [applicationName])
    if (rows.length > 0) return
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  throw new Error(`no connection of ${applicationName} waits for a lock`)
}

/** The states of the application's connections that are not idle (a paused stream: `idle in transaction`). */
export async function busyStates (applicationName: string): Promise<string[]> {
  const { rows } = await admin("SELECT state FROM pg_stat_activity WHERE application_name = $1 AND state <> 'idle'",
    [applicationName])
  return rows.map(row => row.state as string)
}
