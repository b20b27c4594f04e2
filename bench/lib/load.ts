// Runs autocannon (programmatic API) against a server child: a warm-up, then the measured run,
// each request taking the next path of a list so that many different ids are hit.
import autocannon from 'autocannon'

export interface LoadOptions {
  /** Request paths, taken in turn (and round again) by all connections together. */
  paths: readonly string[]
  connections?: number
  durationSec?: number
  warmupSec?: number
}

export interface LoadResult {
  requests: number
  requestsPerSec: number
  latencyMeanMs: number
  latencyP99Ms: number
  bytesPerSec: number
  durationSec: number
}

export const DURATION_SEC = Number(process.env.BENCH_DURATION ?? 10)
export const WARMUP_SEC = Number(process.env.BENCH_WARMUP ?? 2)
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10)

export async function load (baseUrl: string, options: LoadOptions): Promise<LoadResult> {
  const warmupSec = options.warmupSec ?? WARMUP_SEC
  if (warmupSec > 0) await fire(baseUrl, options, warmupSec)
  const result = await fire(baseUrl, options, options.durationSec ?? DURATION_SEC)
  return {
    requests: result.requests.total,
    requestsPerSec: result.requests.total / result.duration,
    latencyMeanMs: result.latency.mean,
    latencyP99Ms: result.latency.p99,
    bytesPerSec: result.throughput.total / result.duration,
    durationSec: result.duration
  }
}

async function fire (baseUrl: string, options: LoadOptions, durationSec: number): Promise<autocannon.Result> {
  const { paths } = options
  let next = 0
  const result = await autocannon({
    url: baseUrl,
    connections: options.connections ?? CONNECTIONS,
    duration: durationSec,
    timeout: 20,
    requests: [{
      method: 'GET',
      setupRequest: function nextPath (request) {
        request.path = paths[next++ % paths.length]!
        return request
      }
    }]
  })
  const failed = result.errors + result.timeouts + result.non2xx
  if (failed > 0) {
    throw new Error(`${baseUrl}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx answers of ${result.requests.total}`)
  }
  return result
}

/** Spreads `count` requests over ids 1..`of`, visiting them in a scattered but fixed order. */
export function spreadIds (of: number, count = Math.min(of, 20_000)): number[] {
  const step = 7919 // a prime, so the ids do not repeat before `of` requests
  return Array.from({ length: count }, (_, i) => 1 + ((i * step) % of))
}
