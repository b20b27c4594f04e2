// Streams every order (1,000,000 by default, each with 3 items; BENCH_STREAM_ROWS picks
// another size) as NDJSON over HTTP: plain `/api/orders/stream` against `?with=all`, each from
// a fresh server child so that its peak RSS is that run's, then `?with=all&depth=2` (each
// order's customer with the customer's orders, each item with its product: batches shrink to
// stay within ROW_BUDGET) for its peak memory. The client counts lines and bytes.
// Targets: with=all at ≥ 50% of the plain rate, server peak RSS < 300 MB.
import { request } from 'node:http'
import { benchMain } from './lib/bench-main.js'
import { spawnServer } from './lib/child.js'
import { dataset } from './lib/dataset.js'
import { printHotSpots, profileDir } from './lib/profile.js'
import { markdownTable, ratio, verdict } from './lib/table.js'

const ROWS = Number(process.env.BENCH_STREAM_ROWS ?? 1_000_000)
const RATE_TARGET = 0.5
const RSS_TARGET_MB = 300
const STREAM_TIMEOUT_MS = 10 * 60_000

interface StreamRun {
  lines: number
  bytes: number
  seconds: number
  startRssMb: number
  peakRssMb: number
  lastLine: string
}

async function main (): Promise<void> {
  const data = await dataset(ROWS)
  const plain = await run('plain', data.url, '/api/orders/stream')
  const graphs = await run('with=all', data.url, '/api/orders/stream?with=all')
  const deep = await run('depth=2', data.url, '/api/orders/stream?with=all&depth=2')
  for (const [name, r] of [['plain', plain], ['with=all', graphs], ['depth=2', deep]] as const) {
    if (r.lines !== ROWS) throw new Error(`${name}: streamed ${r.lines} lines, expected ${ROWS}`)
  }
  const last = JSON.parse(graphs.lastLine) as { entity?: unknown, children?: { OrderItem?: { orderId?: unknown[] } } }
  if (last.entity === undefined || last.children?.OrderItem?.orderId?.length !== 3) {
    throw new Error(`with=all: last line is not a graph: ${graphs.lastLine}`)
  }
  const deepLast = JSON.parse(deep.lastLine) as { parents?: { customerId?: { children?: unknown } } }
  if (deepLast.parents?.customerId?.children === undefined) {
    throw new Error(`depth=2: the customer of the last line is not a graph: ${deep.lastLine.slice(0, 500)}`)
  }

  const rate = (r: StreamRun) => r.lines / r.seconds
  console.log(
    `\n### NDJSON stream of ${ROWS.toLocaleString('en-US')} orders (3 items each) from SQLite, one fresh server ` +
      'child per run\n'
  )
  console.log(
    markdownTable(
      ['case', 'rows', 'seconds', 'rows/s', 'vs plain', 'MB', 'MB/s', 'RSS at start MB', 'peak RSS MB'],
      [
        ['GET /api/orders/stream', plain],
        ['GET /api/orders/stream?with=all', graphs],
        ['GET /api/orders/stream?with=all&depth=2', deep]
      ].map(([name, r]) => {
        const s = r as StreamRun
        return [
          name as string,
          s.lines,
          s.seconds,
          rate(s),
          ratio(rate(s), rate(plain)),
          s.bytes / 1e6,
          s.bytes / 1e6 / s.seconds,
          s.startRssMb,
          s.peakRssMb
        ]
      })
    )
  )
  const share = rate(graphs) / rate(plain)
  // the target is the with=all stream's (and the plain one's); depth=2 is reported beside it
  const peak = Math.max(plain.peakRssMb, graphs.peakRssMb)
  console.log(
    `\nwith=all / plain = ${share.toFixed(2)} (target ≥ ${RATE_TARGET}: ${verdict(share >= RATE_TARGET)}); peak ` +
      `RSS ${peak.toFixed(0)} MB (target < ${RSS_TARGET_MB} MB: ${verdict(peak < RSS_TARGET_MB)}); ` +
      `with=all&depth=2: ${(rate(deep) / rate(plain)).toFixed(2)} of the plain rate, peak ` +
      `RSS ${deep.peakRssMb.toFixed(0)} MB`
  )
}

async function run (label: string, url: string, path: string): Promise<StreamRun> {
  const dir = profileDir(`stream-${label}`)
  const server = await spawnServer('app', {
    env: { DATABASE_URL: url },
    ...(dir === undefined ? {} : { profileDir: dir })
  })
  try {
    const start = await server.usage()
    const started = performance.now()
    const counted = await countLines(server.url + path)
    const seconds = (performance.now() - started) / 1000
    const { maxRssBytes } = await server.usage()
    await server.stop()
    printHotSpots(`stream ${label}`, dir)
    return { ...counted, seconds, startRssMb: start.rssBytes / 1e6, peakRssMb: maxRssBytes / 1e6 }
  } finally {
    await server.stop()
  }
}

/** GETs `url` and counts the newline-terminated lines of the body, keeping only the last. */
function countLines (url: string): Promise<{ lines: number, bytes: number, lastLine: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: STREAM_TIMEOUT_MS }, res => {
      if (res.statusCode !== 200) {
        reject(new Error(`GET ${url} answered ${res.statusCode}`))
        res.resume()
        return
      }
      let lines = 0
      let bytes = 0
      let tail: Buffer = Buffer.alloc(0)
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++
        tail = chunk.length >= 4096 ? chunk.subarray(chunk.length - 4096) : Buffer.concat([tail, chunk]).subarray(-4096)
      })
      res.on('end', () => {
        const text = tail.toString('utf8')
        if (!text.endsWith('\n')) {
          reject(new Error(`GET ${url}: the body ends without a final newline (cut by a server fault)`))
        }
        const all = text.slice(0, -1).split('\n')
        resolve({ lines, bytes, lastLine: all[all.length - 1]! })
      })
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`GET ${url} took longer than ${STREAM_TIMEOUT_MS / 60_000} minutes`)))
    req.on('error', reject)
    req.end()
  })
}

benchMain('stream', 40, main)
