// Progress of a long import or export on stderr: on a terminal, one line redrawn in place with a
// bar, rows, rows/s and ETA; elsewhere (CI logs, pipes), a plain line every few seconds.
export interface ProgressOutput {
  write (text: string): unknown
  isTTY?: boolean
  columns?: number
}

export interface ProgressOptions {
  /** What ETA and percentage are measured in: bytes read of a file, or rows of a known count. */
  total?: number
  /** Milliseconds since some origin; injectable for tests. */
  now?: () => number
}

const TTY_INTERVAL_MS = 100
const LOG_INTERVAL_MS = 2000
const BAR_WIDTH = 24

export class Progress {
  readonly #out: ProgressOutput
  readonly #label: string
  readonly #total: number | undefined
  readonly #now: () => number
  readonly #start: number
  #lastDraw = -Infinity
  #rows = 0
  #done = 0

  constructor (out: ProgressOutput, label: string, options: ProgressOptions = {}) {
    this.#out = out
    this.#label = label
    this.#total = options.total !== undefined && options.total > 0 ? options.total : undefined
    this.#now = options.now ?? (() => performance.now())
    this.#start = this.#now()
  }

  /** `rows` so far; `done` in the unit of `total` (defaults to rows). Redraws at most every interval. */
  update (rows: number, done = rows): void {
    this.#rows = rows
    this.#done = done
    const now = this.#now()
    if (now - this.#lastDraw < (this.#out.isTTY === true ? TTY_INTERVAL_MS : LOG_INTERVAL_MS)) return
    this.#lastDraw = now
    this.#draw(now)
  }

  /** A line of its own (on a terminal, over the bar, which the next update redraws). */
  note (text: string): void {
    this.#out.write(`${this.#out.isTTY === true ? '\r\x1b[K' : ''}${this.#label}: ${text}\n`)
    this.#lastDraw = -Infinity
  }

  /** Draws the final state and ends the line. */
  finish (summary: string): void {
    const now = this.#now()
    if (this.#out.isTTY === true) {
      this.#out.write(`\r\x1b[K${this.#label}: ${summary} in ${seconds(now - this.#start)}\n`)
    } else this.#out.write(`${this.#label}: ${summary} in ${seconds(now - this.#start)}\n`)
  }

  #draw (now: number): void {
    const elapsed = now - this.#start
    const rate = elapsed > 0 ? Math.round(this.#rows / (elapsed / 1000)) : 0
    const fraction = this.#total === undefined ? undefined : Math.min(1, this.#done / this.#total)
    const parts = [`${this.#rows.toLocaleString('en-US')} rows`, `${rate.toLocaleString('en-US')} rows/s`]
    // Percentage and ETA first: a narrow terminal cuts the end of the line.
    if (fraction !== undefined) {
      parts.unshift(
        `${Math.floor(fraction * 100)}%`,
        `ETA ${fraction > 0 ? seconds((elapsed * (1 - fraction)) / fraction) : '?'}`
      )
    }
    if (this.#out.isTTY !== true) {
      this.#out.write(`${this.#label}: ${parts.join(', ')}\n`)
      return
    }
    const bar =
      fraction === undefined ? '' : `[${'#'.repeat(Math.round(fraction * BAR_WIDTH)).padEnd(BAR_WIDTH, '-')}] `
    const line = `${this.#label} ${bar}${parts.join('  ')}`
    this.#out.write(`\r\x1b[K${line.slice(0, (this.#out.columns ?? 80) - 1)}`)
  }
}

function seconds (ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
}
