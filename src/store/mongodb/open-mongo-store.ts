// Connects the official driver for a `mongodb://` or `mongodb+srv://` DATABASE_URL and opens
// the store on the database named by the URL's path. Start-up fails within the server
// selection timeout, with a message naming what failed, when no server answers; afterwards the
// driver's monitoring reconnects by itself and calls fail fast (503) while no server answers.
import { MongoClient, type MongoClientOptions } from 'mongodb'
import { ConfigError, StoreUnavailableError } from '../../errors.js'
import type { Store, StoreOptions } from '../store.js'
import type { ClientLike, DbLike } from './driver-surface.js'
import { storeError } from './mongo-errors.js'
import { createMongoStore } from './mongo-store.js'
import { checkServer, supportsTransactions } from './server-support.js'

export interface MongoConnectSettings {
  /** How long a call waits for a usable server before failing as unavailable. */
  serverSelectionTimeoutMS: number
  /** How long a call waits for a pooled connection before failing as unavailable. */
  waitQueueTimeoutMS: number
  /**
   * How long opening one connection may take, TLS and authentication included. It also bounds
   * the monitor's heartbeats: one slow handshake past it marks the server unknown and clears the
   * pool, failing every call in flight, so it is not the (short) call timeout.
   */
  connectTimeoutMS: number
}

const DEFAULT_TIMEOUT_MS = 5000
/** A handshake's time: the driver's advice is at least 10 s (its default is 30 s). */
export const CONNECT_TIMEOUT_MS = 10_000

/**
 * The waits of one call default to the store's call timeout (STORE_TIMEOUT_MS), else 5 s, and
 * the connect timeout to 10 s or that timeout if longer; an option set in the URL wins, e.g.
 * `?serverSelectionTimeoutMS=2000`.
 */
export function connectSettings (
  options: StoreOptions,
  settings: Partial<MongoConnectSettings> = {}
): MongoConnectSettings {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  return {
    serverSelectionTimeoutMS: timeout,
    waitQueueTimeoutMS: timeout,
    connectTimeoutMS: Math.max(CONNECT_TIMEOUT_MS, timeout),
    ...settings
  }
}

/** The database named by the URL's path: `mongodb://host:27017/relata` → `relata`. */
export function databaseName (url: string): string {
  const match = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]*)/.exec(url)
  const name = match === null ? '' : decodeURIComponent(match[1]!)
  if (name === '') {
    throw new ConfigError(
      "DATABASE_URL names no database; write it after the hosts, e.g. 'mongodb://localhost:27017/relata'"
    )
  }
  return name
}

function clientOptions (url: string, settings: MongoConnectSettings): MongoClientOptions {
  const query = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '')
  const given = new Set([...query.keys()].map(key => key.toLowerCase()))
  const options: MongoClientOptions = {}
  for (const [key, value] of Object.entries(settings) as Array<[keyof MongoConnectSettings, number]>) {
    if (!given.has(key.toLowerCase())) options[key] = value
  }
  return options
}

export async function openMongoStore (url: string, options: StoreOptions,
  settings: Partial<MongoConnectSettings> = {}): Promise<Store> {
  const name = databaseName(url)
  let client: MongoClient
  try {
    client = new MongoClient(url, clientOptions(url, connectSettings(options, settings)))
  } catch (error) {
    // the driver's parse errors name the faulty part, never the password
    throw new ConfigError(`DATABASE_URL is not a usable MongoDB connection string (${(error as Error).message})`)
  }
  try {
    await client.connect()
  } catch (error) {
    await client.close().catch(() => undefined)
    throw new StoreUnavailableError(
      `mongodb store: cannot connect to the server (${(error as Error).name}: ${(error as Error).message})`,
      { cause: error }
    )
  }
  /* c8 ignore start: needs a reachable server (MONGODB_URL runs it); the stand-in tests the store */
  try {
    // the driver's Db and MongoClient have the surface the store uses, but for their own
    // session class where the surface has an opaque SessionLike
    const db = client.db(name) as unknown as DbLike
    const hello = await db.command({ hello: 1 })
    checkServer(await db.command({ buildInfo: 1 }), hello)
    const transactions = supportsTransactions(hello)
    return await createMongoStore(db, options, { transactions }, client as unknown as ClientLike)
  } catch (error) {
    await client.close().catch(() => undefined)
    throw storeError(error, `opening database '${name}'`)
  }
  /* c8 ignore stop */
}
