// Picks the store adapter named by DATABASE_URL. The rest of the app only sees the Store
// interface, so adding an adapter means one more branch here and one more folder.
import { dirname, resolve } from 'node:path'
import { ConfigError, StoreUnavailableError } from '../errors.js'
import { makeDirectory } from './make-directory.js'
import { createMemoryStore } from './memory/memory-store.js'
import { openSqliteStore } from './sqlite/sqlite-store.js'
import type { Store, StoreOptions } from './store.js'

const ACCEPTED = "'memory:', 'sqlite::memory:', 'sqlite:<file path>', 'mongodb://<hosts>/<database>', " +
  "'mongodb+srv://<host>/<database>' or 'postgres://<user>:<password>@<host>/<database>' (also postgresql://)"

function refuse (problem: string): never {
  throw new ConfigError(`DATABASE_URL ${problem}; accepted forms are ${ACCEPTED}`)
}

async function openSqlite (url: string, options: StoreOptions): Promise<Store> {
  const location = url.slice('sqlite:'.length)
  const settings = { timeoutMs: options.timeoutMs ?? 5000 }
  if (location === ':memory:') return await openSqliteStore(location, options, settings)
  if (location === '') refuse(`'${url}' names no database file`)
  // `sqlite://x` reads like a URL with a host; refuse rather than guess what was meant
  if (location.startsWith('//')) {
    refuse(`'${url}' has // after sqlite: (write sqlite:/absolute/path or sqlite:relative/path)`)
  }
  const path = resolve(location)
  try {
    await makeDirectory(dirname(path))
  } catch (error) {
    const reason = (error as Error).message
    throw new StoreUnavailableError(`sqlite store: cannot create the directory of '${path}' (${reason})`,
      { cause: error })
  }
  return await openSqliteStore(path, options, settings)
}

export async function openStore (url: string, options: StoreOptions): Promise<Store> {
  if (url === 'memory:') return createMemoryStore(options)
  if (url.startsWith('sqlite:')) return await openSqlite(url, options)
  if (url.startsWith('mongodb://') || url.startsWith('mongodb+srv://')) {
    // loaded on demand: the driver is large, and the other stores never need it
    const { openMongoStore } = await import('./mongodb/open-mongo-store.js')
    return await openMongoStore(url, options)
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const { openPostgresStore } = await import('./postgres/open-postgres-store.js')
    return await openPostgresStore(url, options)
  }
  // Only the scheme is echoed: other URLs may carry credentials.
  const colon = url.indexOf(':')
  return refuse(colon < 0 ? 'has no scheme' : `scheme '${url.slice(0, colon + 1)}' is not supported`)
}
