// Opens a connection pool for a `postgres://` or `postgresql://` DATABASE_URL and migrates the
// schema. The URL is node-postgres's: TLS (`sslmode`, `sslrootcert`, `sslcert`, `sslkey`),
// `options=-c search_path=…` and the driver's other settings pass through as they are, and win
// over the defaults here. Start-up fails with one line naming the URL without its password.
import pg from 'pg'
import { ExistingDuplicatesError, StoreUnavailableError } from '../../errors.js'
import type { Store, StoreOptions } from '../store.js'
import { createPostgresStore } from './postgres-store.js'
import { reason } from './postgres-errors.js'
import { migrate } from './schema.js'

const DEFAULT_TIMEOUT_MS = 5000
const DEFAULT_POOL_SIZE = 10

/** The URL as it may be shown: without its password (and unparsable text not at all). */
export function redactUrl (url: string): string {
  try {
    const parsed = new URL(url)
    parsed.password = ''
    return parsed.toString()
  } catch {
    return `${url.slice(0, url.indexOf(':') + 1)}//…`
  }
}

export function poolConfig (url: string, options: StoreOptions): pg.PoolConfig {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  return {
    connectionString: url,
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    // the server ends a statement that outlives the call's bound, so no work is left behind
    statement_timeout: timeout,
    // waiting for a free connection (pool exhausted) or a new one is bounded the same way
    connectionTimeoutMillis: timeout,
    application_name: 'relata'
  }
}

export async function openPostgresStore (url: string, options: StoreOptions): Promise<Store> {
  const pool = new pg.Pool(poolConfig(url, options))
  // an idle connection that the server ends is dropped; the next call opens a new one
  pool.on('error', function idleConnectionLost () {})
  try {
    const client = await pool.connect()
    try {
      await migrate(client, options.entities)
    } finally {
      client.release()
    }
  } catch (error) {
    await pool.end().catch(() => {})
    if (error instanceof ExistingDuplicatesError) throw error
    const message = `postgres store: cannot open ${redactUrl(url)} (${reason(error)})`
    throw new StoreUnavailableError(message, { cause: error })
  }
  return createPostgresStore(pool, options)
}
