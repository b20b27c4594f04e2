// What response compression costs and saves: the same `GET /api/orders?with=all&size=100` pages
// from one server, without Accept-Encoding, with `gzip` and with `br`, interleaved in one run.
// Reports requests/s, latency and bytes per answer, each against the uncompressed answer, and
// the CPU one answer's compression takes (timed apart: the load figures are noisy on a shared box).
import { benchMain } from './lib/bench-main.js'
import { spawnServer } from './lib/child.js'
import { dataset } from './lib/dataset.js'
import { CONNECTIONS, DURATION_SEC, ROUNDS, compare, rejectedText, type LoadResult } from './lib/load.js'
import { markdownTable, ratio } from './lib/table.js'
import { brotliCompressSync, gzipSync } from 'node:zlib'
import { BROTLI_PARAMS } from '../plugins/compression.js'

const ORDERS = Number(process.env.BENCH_ORDERS ?? 10_000)
const SIZE = 100
const ENCODINGS: Array<{ name: string, headers: Record<string, string> }> = [
  { name: 'no Accept-Encoding', headers: {} },
  { name: 'Accept-Encoding: gzip', headers: { 'accept-encoding': 'gzip' } },
  { name: 'Accept-Encoding: br', headers: { 'accept-encoding': 'br' } }
]

async function main (): Promise<void> {
  const data = await dataset(ORDERS)
  const pages = Math.floor(ORDERS / SIZE)
  const paths = Array.from({ length: pages },
    (_, i) => `/api/orders?with=all&size=${SIZE}&page=${1 + ((i * 37) % pages)}`)
  const app = await spawnServer('app', { env: { DATABASE_URL: data.url } })
  try {
    const results = await compare(ENCODINGS.map(e => ({ name: e.name, url: app.url, paths, headers: e.headers })))
    const plain = results[0]!
    const bytesPerAnswer = (r: LoadResult): number => r.bytesPerSec / r.requestsPerSec
    console.log(`\n### Page of ${SIZE} orders with=all — ${ORDERS.toLocaleString('en-US')} orders in SQLite, ` +
      `${CONNECTIONS} connections, ${DURATION_SEC} s each in ${ROUNDS} interleaved rounds\n`)
    const answer = await fetch(`${app.url}${paths[0]!}`, { headers: { 'accept-encoding': 'identity' } })
    const page = Buffer.from(await answer.text())
    const cpu = [0, msPer(() => gzipSync(page)), msPer(() => brotliCompressSync(page, { params: BROTLI_PARAMS }))]
    console.log(markdownTable(
      ['case', 'req/s', 'vs plain', 'mean ms', 'p99 ms', 'kB / answer', 'size vs plain', 'compress ms / answer',
        'non-2xx'],
      results.map((r, i) => [ENCODINGS[i]!.name, r.requestsPerSec, ratio(r.requestsPerSec, plain.requestsPerSec),
        r.latencyMeanMs, r.latencyP99Ms, bytesPerAnswer(r) / 1000, ratio(bytesPerAnswer(r), bytesPerAnswer(plain)),
        cpu[i]!, rejectedText(r)])
    ))
  } finally {
    await app.stop()
  }
}

/** Milliseconds one call takes, the median of 50 after 10 warm-up calls. */
function msPer (work: () => unknown): number {
  for (let i = 0; i < 10; i++) work()
  const times = Array.from({ length: 50 }, () => {
    const start = performance.now()
    work()
    return performance.now() - start
  }).sort((a, b) => a - b)
  return times[25]!
}

benchMain('compression', 10, main)
