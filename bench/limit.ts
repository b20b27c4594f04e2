// Relata against the hand-written limit (lib/limit-server.ts: bare Fastify routes running the
// same statements on the same SQLite file and splicing the stored JSON text), in one run:
// the single `GET /api/orders/:id?with=all`, the page of 100 `with=all`, the plain
// `GET /api/orders/:id` (against the bare route's one statement), then the NDJSON stream
// `with=all` (rows/s against the limit's and against Relata's plain stream, with peak RSS).
// Every answer of the limit is first checked byte for byte against Relata's.
// Targets (issue #15): single and page ≥ 0.8× the limit, plain GET ≥ 0.85× the bare route,
// stream with=all ≥ 0.5× the plain stream's rows/s with peak RSS < 300 MB.
import { benchMain } from './lib/bench-main.js'
import { spawnServer, type ServerChild } from './lib/child.js'
import { dataset } from './lib/dataset.js'
import { CONNECTIONS, DURATION_SEC, ROUNDS, compare, rejectedText, spreadIds } from './lib/load.js'
import { printHotSpots, profileDir } from './lib/profile.js'
import { readBody } from './lib/read-body.js'
import { markdownTable, ratio, verdict } from './lib/table.js'
import { assertSameBytes } from './lib/same-bytes.js'

const ORDERS = Number(process.env.BENCH_ORDERS ?? 10_000)
const STREAM_ROWS = Number(process.env.BENCH_LIMIT_STREAM_ROWS ?? 200_000)
const SIZE = 100
const BATCHED = process.env.BENCH_LIMIT_BATCHED === '1'

/** The profile folder of each server child by label (BENCH_PROFILE=1). */
const profiles = new Map<string, string | undefined>()

async function spawn (kind: 'app' | 'limit', url: string, label: string,
  env: Record<string, string> = {}): Promise<ServerChild> {
  const dir = profileDir(`limit-${label}`)
  profiles.set(label, dir)
  return await spawnServer(kind, {
    env: { DATABASE_URL: url, ...env },
    ...(dir === undefined ? {} : { profileDir: dir })
  })
}

async function requestCases (): Promise<void> {
  const data = await dataset(ORDERS)
  const ids = spreadIds(ORDERS)
  const pages = Math.floor(ORDERS / SIZE)
  const single = ids.map(id => `/api/orders/ord-${id}?with=all`)
  const plain = ids.map(id => `/api/orders/ord-${id}`)
  const page = Array.from({ length: pages },
    (_, i) => `/api/orders?with=all&size=${SIZE}&page=${1 + ((i * 37) % pages)}`)
  const children: ServerChild[] = []
  try {
    // one child per case and side, so that each profile (BENCH_PROFILE=1) belongs to one case
    const names = ['single', 'page', 'plain']
    const apps: ServerChild[] = []
    const limits: ServerChild[] = []
    for (const name of names) {
      // BENCH_LIMIT_BATCHED=1: the batched path on both sides (the limit reads the variable itself)
      apps.push(await spawn('app', data.url, `app-${name}`, BATCHED ? { GRAPHS_IN_STORE: 'false' } : {}))
      limits.push(await spawn('limit', data.url, `limit-${name}`))
      children.push(apps.at(-1)!, limits.at(-1)!)
    }
    const paths = [single, page, plain]
    for (let i = 0; i < names.length; i++) {
      for (const path of paths[i]!.slice(0, 3)) {
        await assertSameBytes(['Relata', apps[i]!.url], ['the limit', limits[i]!.url], path)
      }
    }
    const cpu = (child: ServerChild) => async () => (await child.usage()).cpuMicros
    const cases = names.flatMap((name, i) => [
      { name: `limit ${name}`, url: limits[i]!.url, paths: paths[i]!, cpuMicros: cpu(limits[i]!) },
      { name: `Relata ${name}`, url: apps[i]!.url, paths: paths[i]!, cpuMicros: cpu(apps[i]!) }
    ])
    const results = await compare(cases)
    for (const child of children) await child.stop()
    for (const name of names) {
      printHotSpots(`Relata ${name}`, profiles.get(`app-${name}`))
    }
    const labels = [
      'GET /api/orders/:id?with=all',
      `GET /api/orders?with=all&size=${SIZE}`,
      'GET /api/orders/:id (limit: the bare route, one statement)'
    ]
    const targets = [0.8, 0.8, 0.85]
    console.log(
      `\n### Relata / hand-written limit — ${ORDERS.toLocaleString('en-US')} orders × 3 items in SQLite, ` +
        `${CONNECTIONS} connections, ${DURATION_SEC} s each in ${ROUNDS} interleaved rounds\n`
    )
    const rows = names.map((_, i) => {
      const limit = results[2 * i]!
      const app = results[2 * i + 1]!
      const share = app.requestsPerSec / limit.requestsPerSec
      return [labels[i]!, limit.requestsPerSec, app.requestsPerSec, ratio(app.requestsPerSec, limit.requestsPerSec),
        `≥ ${targets[i]}: ${verdict(share >= targets[i]!)}`, limit.cpuMsPerRequest!, app.cpuMsPerRequest!,
        ratio(limit.cpuMsPerRequest!, app.cpuMsPerRequest!), limit.latencyMeanMs, app.latencyMeanMs,
        rejectedText(app)]
    })
    console.log(markdownTable(['case', 'limit req/s', 'Relata req/s', 'Relata / limit', 'target',
      'limit CPU ms / req', 'Relata CPU ms / req', 'limit / Relata CPU', 'limit mean ms', 'Relata mean ms',
      'Relata non-2xx'], rows))
  } finally {
    for (const child of children) await child.stop()
  }
}

interface StreamRun {
  lines: number
  seconds: number
  peakRssMb: number
  /** The server's CPU time over the measured reads (every thread). */
  cpuMs: number
}

async function streamCases (): Promise<void> {
  const data = await dataset(STREAM_ROWS)
  const cases = [
    { kind: 'limit', path: '/api/orders/stream?with=all', label: 'limit: stream with=all', env: {} },
    { kind: 'app', path: '/api/orders/stream', label: 'Relata: GET /api/orders/stream', env: {} },
    { kind: 'app', path: '/api/orders/stream?with=all', label: 'Relata: GET /api/orders/stream?with=all', env: {} },
    {
      kind: 'app',
      path: '/api/orders/stream?with=all',
      label: 'Relata: with=all, batched (GRAPHS_IN_STORE=false)',
      env: { GRAPHS_IN_STORE: 'false' }
    },
    {
      kind: 'limit',
      path: '/api/orders/stream?with=all',
      label: 'limit of the batched path: 3 statements per batch',
      env: { BENCH_LIMIT_BATCHED: '1' }
    }
  ] as const
  const runs: StreamRun[] = []
  const digests: string[] = []
  for (const [i, c] of cases.entries()) {
    const server = await spawn(c.kind, data.url, `stream-${i}`, c.env)
    try {
      // untimed: the digest of the whole body, so the limit's bytes are checked against Relata's
      digests.push((await readBody(server.url + c.path, true)).digest)
      let lines = 0
      let seconds = 0
      const before = await server.usage()
      for (let round = 0; round < ROUNDS; round++) {
        const started = performance.now()
        lines += (await readBody(server.url + c.path, false)).lines
        seconds += (performance.now() - started) / 1000
      }
      const { maxRssBytes, cpuMicros } = await server.usage()
      await server.stop()
      printHotSpots(c.label, profiles.get(`stream-${i}`))
      runs.push({ lines, seconds, peakRssMb: maxRssBytes / 1e6, cpuMs: (cpuMicros - before.cpuMicros) / 1000 })
    } finally {
      await server.stop()
    }
  }
  // every with=all stream (all but Relata's plain one) the same bytes
  if (digests.some((digest, i) => i !== 1 && digest !== digests[0])) {
    throw new Error('the limit and Relata stream different bytes for with=all')
  }
  const rate = (r: StreamRun): number => r.lines / r.seconds
  const [limit, plain, graphs] = runs as [StreamRun, StreamRun, StreamRun]
  console.log(
    `\n### NDJSON stream of ${STREAM_ROWS.toLocaleString('en-US')} orders (3 items each), ${ROUNDS} times each, ` +
      'one server child per case\n'
  )
  console.log(markdownTable(['case', 'rows/s', 'vs limit', 'vs Relata plain', 'server CPU ms / 1,000 rows',
    'CPU / wall', 'peak RSS MB'],
  cases.map((c, i) => [c.label, rate(runs[i]!), ratio(rate(runs[i]!), rate(limit)),
    ratio(rate(runs[i]!), rate(plain)), (1000 * runs[i]!.cpuMs) / runs[i]!.lines,
    `${(runs[i]!.cpuMs / 1000 / runs[i]!.seconds).toFixed(2)}`, runs[i]!.peakRssMb])))
  const share = rate(graphs) / rate(plain)
  console.log(
    `\nRelata with=all / Relata plain = ${share.toFixed(2)} (target ≥ 0.5: ${verdict(share >= 0.5)}); ` +
      `Relata with=all / limit = ${(rate(graphs) / rate(limit)).toFixed(2)}; peak RSS ` +
      `${graphs.peakRssMb.toFixed(0)} MB (target < 300 MB: ${verdict(graphs.peakRssMb < 300)})`
  )
}

benchMain('limit', 20, async function main () {
  const only = process.env.BENCH_LIMIT_CASES ?? 'requests,stream'
  if (only.includes('requests')) await requestCases()
  if (only.includes('stream')) await streamCases()
})
