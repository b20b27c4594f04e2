// Cancels what a pooled connection's backend runs when its caller has gone (pg_cancel_backend),
// through a pool of one connection of its own: the store's pool may be exhausted by the very
// statements to cancel, and a connection opened per cancel cost an authentication and a fresh
// backend each time. Once pg_cancel_backend has returned, the backend has been signalled: if the
// statement still ran, it fails; if it had ended, the backend is idle, where PostgreSQL ignores a
// cancel. Either way no later statement of that connection can be hit, so it may go back to the
// pool, warm, instead of being replaced by a new backend that has to load its caches again.
import pg from 'pg'

export class BackendCanceller {
  #pool: pg.Pool | undefined

  constructor (private readonly options: pg.PoolConfig) {}

  /** Resolves true once the server has signalled `client`'s backend, false when it could not be asked. */
  async cancel (client: pg.PoolClient): Promise<boolean> {
    const pid = (client as unknown as { processID: number | null }).processID
    if (pid === null) return false
    if (this.#pool === undefined) {
      this.#pool = new pg.Pool({ ...this.options, max: 1 })
      this.#pool.on('error', function idleCancellerLost () {})
    }
    try {
      const { rows } = await this.#pool.query('SELECT pg_cancel_backend($1) AS sent', [pid])
      return (rows[0] as { sent: boolean }).sent
    } catch {
      return false
    }
  }

  async close (): Promise<void> {
    await this.#pool?.end()
  }
}

/** Gives `client` back once `cancelled` tells that its backend was signalled; destroys it otherwise. */
export function releaseAfter (client: pg.PoolClient, cancelled: Promise<boolean>): void {
  cancelled.then(sent => { client.release(sent ? undefined : true) }, () => { client.release(true) })
}
