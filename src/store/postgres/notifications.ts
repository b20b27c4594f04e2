// Tells the other instances on the same PostgreSQL database and schema which documents were
// stored (LISTEN/NOTIFY), so that a parent written on one instance pokes the healers of all.
// One connection of its own listens, opened on the first `listen`; lost, it is opened again
// after a second (what was told meanwhile is healed by the sweeps of HEAL_INTERVAL_MS). The
// channel is named after the schema, so that instances on other schemas hear nothing.
import { createHash, randomUUID } from 'node:crypto'
import pg from 'pg'
import type { StoreBroadcast, StoredListener } from '../store.js'

/** NOTIFY payloads must stay under 8,000 bytes: ids are sent in messages of at most this much. */
const MAX_PAYLOAD = 7000
const RECONNECT_MS = 1000

interface Message {
  /** The sending instance, which ignores its own messages. */
  from: string
  entity: string
  ids: string[]
}

/** Splits `ids` into payloads under MAX_PAYLOAD bytes (an id longer than that is sent alone). */
export function payloads (from: string, entity: string, ids: readonly string[]): string[] {
  const texts: string[] = []
  let batch: string[] = []
  let size = 0
  const flush = (): void => {
    if (batch.length > 0) texts.push(JSON.stringify({ from, entity, ids: batch } satisfies Message))
    batch = []
    size = 0
  }
  for (const id of ids) {
    const length = Buffer.byteLength(JSON.stringify(id)) + 1
    if (size + length > MAX_PAYLOAD) flush()
    batch.push(id)
    size += length
  }
  flush()
  return texts
}

export class PostgresBroadcast implements StoreBroadcast {
  readonly #from = randomUUID()
  readonly #listeners: StoredListener[] = []
  #client: pg.Client | undefined
  #channel: string | undefined
  #closed = false

  constructor (private readonly pool: pg.Pool, private readonly config: pg.ClientConfig) {}

  /** The channel of the pool's schema, known after the first round trip. */
  async #channelName (): Promise<string> {
    if (this.#channel !== undefined) return this.#channel
    const { rows } = await this.pool.query('SELECT current_schema() AS schema')
    const schema = String((rows[0] as { schema: unknown }).schema)
    this.#channel = `relata_stored_${createHash('sha256').update(schema).digest('hex').slice(0, 16)}`
    return this.#channel
  }

  async stored (entity: string, ids: readonly string[]): Promise<void> {
    const channel = await this.#channelName()
    const texts = payloads(this.#from, entity, ids)
    if (texts.length > 0) {
      await this.pool.query('SELECT pg_notify($1, t) FROM unnest($2::text[]) AS t', [channel, texts])
    }
  }

  /** Rejects when the first connection fails; it is retried all the same. */
  async listen (listener: StoredListener): Promise<void> {
    this.#listeners.push(listener)
    if (this.#listeners.length > 1) return
    await this.#connect().catch((error: unknown) => {
      this.#retry()
      throw error
    })
  }

  async #connect (): Promise<void> {
    const channel = await this.#channelName()
    const client = new pg.Client(this.config)
    client.on('notification', message => this.#heard(message.payload))
    client.on('error', () => this.#lost(client))
    client.on('end', () => this.#lost(client))
    try {
      await client.connect()
      await client.query(`LISTEN "${channel}"`)
    } catch (error) {
      await client.end().catch(() => {})
      throw error
    }
    if (this.#closed) {
      await client.end()
      return
    }
    this.#client = client
  }

  #heard (payload: string | undefined): void {
    let message: Message
    try {
      message = JSON.parse(payload ?? '') as Message
    } catch {
      return // not ours
    }
    if (message.from === this.#from || !Array.isArray(message.ids)) return
    for (const listener of this.#listeners) listener(message.entity, message.ids)
  }

  #lost (client: pg.Client): void {
    if (this.#client !== client) return
    this.#client = undefined
    client.end().catch(() => {})
    this.#retry()
  }

  #retry (): void {
    if (this.#closed) return
    setTimeout(() => {
      if (!this.#closed) this.#connect().catch(() => this.#retry())
    }, RECONNECT_MS).unref()
  }

  async close (): Promise<void> {
    this.#closed = true
    const client = this.#client
    this.#client = undefined
    await client?.end().catch(() => {})
  }
}
