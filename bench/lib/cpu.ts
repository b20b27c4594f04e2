// CPU time of the processes behind a bench case, read from /proc (Linux): a server child's own,
// and that of the PostgreSQL backends serving its pool, found by the application_name its URL
// sets. Backends come and go with the pool, so they are sampled on a timer and each one counts
// up to its last sample (a backend ending between two samples loses at most one interval).
import { readdirSync, readFileSync } from 'node:fs'
import pg from 'pg'

/** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on every Linux build). */
const TICKS_PER_SEC = 100
const SAMPLE_MS = 200

/** User plus system CPU milliseconds of process `pid` so far (all its threads); 0 once it is gone. */
export function processCpuMs (pid: number): number {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return 0
  }
  // the command name (field 2) may hold spaces: count fields after its closing parenthesis
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SEC
}

/**
 * CPU milliseconds of process `pid` so far, to the nanosecond: the sum of its threads' run time
 * (/proc/<pid>/task/<tid>/schedstat), where /proc/<pid>/stat counts in 10 ms ticks, a few per cent
 * of a half-second run. A thread that ends takes its time with it, so read it around runs in which
 * the process keeps its threads (a server child keeps its store's read workers while it lives);
 * falls back to processCpuMs where schedstat is missing.
 */
export function threadsCpuMs (pid: number): number {
  let tasks: string[]
  try {
    tasks = readdirSync(`/proc/${pid}/task`)
  } catch {
    return 0
  }
  let ns = 0
  let read = 0
  for (const tid of tasks) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0])
      read++
    } catch {
      // the thread ended between the listing and the read, or the kernel keeps no schedstat
    }
  }
  return read === 0 || Number.isNaN(ns) ? processCpuMs(pid) : ns / 1e6
}

/** `url` with the application_name that BackendCpu finds its backends by. */
export function namedUrl (url: string, applicationName: string): string {
  const named = new URL(url)
  named.searchParams.set('application_name', applicationName)
  return named.toString()
}

/** The CPU of every backend of one application_name, cumulative since `start`. */
export class BackendCpu {
  readonly #seen = new Map<number, number>()
  readonly #client: pg.Client
  #timer: NodeJS.Timeout | undefined

  private constructor (url: string, private readonly applicationName: string) {
    this.#client = new pg.Client({ connectionString: url, application_name: 'relata-bench-cpu' })
  }

  static async start (url: string, applicationName: string): Promise<BackendCpu> {
    const probe = new BackendCpu(url, applicationName)
    await probe.#client.connect()
    await probe.sample()
    probe.#timer = setInterval(() => { probe.sample().catch(() => {}) }, SAMPLE_MS)
    return probe
  }

  async sample (): Promise<void> {
    const { rows } = await this.#client.query(
      'SELECT pid FROM pg_stat_activity WHERE application_name = $1', [this.applicationName])
    for (const { pid } of rows as Array<{ pid: number }>) {
      const ms = processCpuMs(pid)
      if (ms > (this.#seen.get(pid) ?? 0)) this.#seen.set(pid, ms)
    }
  }

  /** Milliseconds of CPU of every backend seen so far, sampled now. */
  async totalMs (): Promise<number> {
    await this.sample()
    let sum = 0
    for (const ms of this.#seen.values()) sum += ms
    return sum
  }

  async stop (): Promise<void> {
    clearInterval(this.#timer)
    await this.#client.end()
  }
}
