// Runs autocannon (programmatic API) against server children: a warm-up, then measured runs,
// each request taking the next path of a list so that many different ids are hit. `compare`
// interleaves the cases in rounds (rotating their order) so that a slow spell of a shared
// machine hits every case alike instead of skewing the ratios. Rates count 2xx answers only;
// other answers (e.g. 503 from load shedding) are counted apart, by status code.
import autocannon from 'autocannon'

export interface LoadResult {
  /** 2xx answers. */
  requests: number
  /** 2xx answers per second. */
  requestsPerSec: number
  /** Answers that were not 2xx, by status code. */
  rejected: Record<string, number>
  latencyMeanMs: number
  latencyP99Ms: number
  bytesPerSec: number
  durationSec: number
  /** CPU time the server spent per 2xx answer, in ms, when the case can tell it (Case.cpuMicros). */
  cpuMsPerRequest?: number
  /** Growth of each of the case's counters over its measured runs (Case.counters). */
  counters?: Record<string, number>
}

export const DURATION_SEC = Number(process.env.BENCH_DURATION ?? 10)
export const WARMUP_SEC = Number(process.env.BENCH_WARMUP ?? 2)
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10)
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)

export interface Case {
  name: string
  url: string
  /** Request paths, taken in turn (and round again) by all connections together. */
  paths: readonly string[]
  /** Sent with every request, e.g. Accept-Encoding. */
  headers?: Record<string, string>
  /** The server's CPU time so far (ServerChild.usage), read around each measured run. */
  cpuMicros?: () => Promise<number>
  /** Cumulative counters read before and after each measured run, e.g. CPU ms of the server's database backends. */
  counters?: Record<string, () => number | Promise<number>>
}

/**
 * Measures every case for `durationSec` in all, split in `rounds` interleaved runs, after one
 * warm-up each. p99 is the worst round's; the rest are totals over the rounds.
 */
export async function compare (
  cases: readonly Case[],
  rounds = ROUNDS,
  durationSec = DURATION_SEC
): Promise<LoadResult[]> {
  for (const c of cases) await fire(c.url, c, WARMUP_SEC)
  const runs = cases.map(() => [] as autocannon.Result[])
  const cpu = cases.map(() => 0)
  const grown = cases.map(() => ({} as Record<string, number>))
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < cases.length; k++) {
      const i = (k + round) % cases.length
      const before = await cases[i]!.cpuMicros?.()
      const counted = await readCounters(cases[i]!)
      runs[i]!.push(await fire(cases[i]!.url, cases[i]!, durationSec / rounds))
      if (before !== undefined) cpu[i]! += (await cases[i]!.cpuMicros!()) - before
      const after = await readCounters(cases[i]!)
      for (const name of Object.keys(after)) grown[i]![name] = (grown[i]![name] ?? 0) + after[name]! - counted[name]!
    }
  }
  return runs.map((results, i) => {
    const summary = summarize(results)
    if (cases[i]!.counters !== undefined) summary.counters = grown[i]!
    if (cases[i]!.cpuMicros === undefined) return summary
    return { ...summary, cpuMsPerRequest: cpu[i]! / 1000 / Math.max(1, summary.requests) }
  })
}

async function readCounters (c: Case): Promise<Record<string, number>> {
  const values: Record<string, number> = {}
  for (const [name, read] of Object.entries(c.counters ?? {})) values[name] = await read()
  return values
}

export function summarize (results: readonly autocannon.Result[]): LoadResult {
  const requests = results.reduce((sum, r) => sum + r['2xx'], 0)
  const rejected: Record<string, number> = {}
  for (const r of results) {
    for (const [code, { count = 0 }] of Object.entries(r.statusCodeStats ?? {})) {
      if (!code.startsWith('2') && count > 0) rejected[code] = (rejected[code] ?? 0) + count
    }
  }
  const seconds = results.reduce((sum, r) => sum + r.duration, 0)
  const bytes = results.reduce((sum, r) => sum + r.throughput.total, 0)
  return {
    requests,
    requestsPerSec: requests / seconds,
    rejected,
    latencyMeanMs: results.reduce((sum, r) => sum + r.latency.mean * r.requests.total, 0) / Math.max(1, requests),
    latencyP99Ms: Math.max(...results.map(r => r.latency.p99)),
    bytesPerSec: bytes / seconds,
    durationSec: seconds
  }
}

/** One autocannon run of `durationSec` against `baseUrl`, taking the paths in turn. */
export async function fire (baseUrl: string, options: Pick<Case, 'paths' | 'headers'>,
  durationSec: number): Promise<autocannon.Result> {
  return await run(baseUrl, options, { duration: durationSec })
}

/**
 * `amount` requests, the paths taken in turn from the first, and every answer awaited: a run cut
 * off at a time leaves requests in flight, which the server still works on (a read in a worker is
 * even ended and its worker replaced) after the CPU around the run has been read.
 */
export async function fireRequests (baseUrl: string, options: Pick<Case, 'paths' | 'headers'>,
  amount: number): Promise<autocannon.Result> {
  // autocannon ends a run at its next sample (every second by default): short runs would idle
  return await run(baseUrl, options, { amount, sampleInt: 20 })
}

async function run (baseUrl: string, options: Pick<Case, 'paths' | 'headers'>,
  length: { duration: number } | { amount: number, sampleInt: number }): Promise<autocannon.Result> {
  const { paths, headers = {} } = options
  let next = 0
  const result = await autocannon({
    url: baseUrl,
    connections: CONNECTIONS,
    ...length,
    timeout: 20,
    requests: [{
      method: 'GET',
      headers,
      setupRequest: function nextPath (request) {
        request.path = paths[next++ % paths.length]!
        return request
      }
    }]
  })
  // A server that answers nothing is broken; one that answers 503 under load is measured.
  if (result.errors + result.timeouts > 0) {
    throw new Error(
      `${baseUrl}: ${result.errors} connection errors and ${result.timeouts} timeouts in ${result.requests.total} ` +
        'requests'
    )
  }
  return result
}

/** `503×120, 500×1`, or `0` when every answer was 2xx. */
export function rejectedText (result: LoadResult): string {
  const entries = Object.entries(result.rejected)
  return entries.length === 0 ? '0' : entries.map(([code, n]) => `${code}×${n}`).join(', ')
}

/** Spreads `count` requests over ids 1..`of`, visiting them in a scattered but fixed order. */
export function spreadIds (of: number, count = Math.min(of, 20_000)): number[] {
  const step = 7919 // a prime, so the ids do not repeat before `of` requests
  return Array.from({ length: count }, (_, i) => 1 + ((i * step) % of))
}
