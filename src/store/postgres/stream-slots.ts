// How many streams may hold a pooled connection at once: half the pool (at least one). A stream
// keeps its connection for as long as it runs, and enriching its batches (with=…) needs more
// connections of the same pool for getMany and findByRefs; were every connection held by a
// stream, those reads would wait for a connection that only their own streams could give back.
// A stream past the slots waits, holding nothing, at most `timeoutMs`, then fails as unavailable.
import { StoreUnavailableError } from '../../errors.js'

export class StreamSlots {
  #free: number
  readonly #waiting: Array<() => void> = []

  constructor (slots: number, private readonly timeoutMs: number) {
    this.#free = Math.max(1, slots)
  }

  async take (): Promise<void> {
    if (this.#free > 0) {
      this.#free--
      return
    }
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.splice(this.#waiting.indexOf(granted), 1)
        reject(new StoreUnavailableError('postgres store: every stream slot stayed taken (half the pool, ' +
          `PG_POOL_SIZE) for ${this.timeoutMs} ms (STORE_TIMEOUT_MS)`))
      }, this.timeoutMs)
      function granted (): void {
        clearTimeout(timer)
        resolve()
      }
      this.#waiting.push(granted)
    })
  }

  give (): void {
    const next = this.#waiting.shift()
    if (next === undefined) this.#free++
    else next()
  }
}
