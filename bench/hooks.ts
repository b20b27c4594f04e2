// What each part of the request path costs, one part at a time, in one run: the app as it is
// served by default, then the same app with one part left out (BENCH_WITHOUT, see
// plugins/app.ts's MEASURED_PARTS), or with one of the parts that are off by default turned on
// (rate limit, under-pressure, auth, logging). Each variant is its own server child; the variants
// are interleaved in rounds of a fixed number of requests. Per variant: req/s, and the server
// child's CPU time per answered request (user + system over the measured runs), which a busy
// shared machine skews less than req/s; the difference to the default is that part's cost.
//   BENCH_HOOKS_PATH=single (default) GET /api/orders/:id?with=all; plain: GET /api/orders/:id
//   BENCH_HOOKS_REQUESTS (default 2000) requests per round; the warm-up sends twice as many
//   BENCH_HOOKS_ONLY a comma list of words: only the variants whose name holds one (and the default)
import { benchMain } from './lib/bench-main.js'
import { spawnServer, type ServerChild } from './lib/child.js'
import { dataset } from './lib/dataset.js'
import { CONNECTIONS, ROUNDS, rejectedText, spreadIds, summarize } from './lib/load.js'
import { markdownTable } from './lib/table.js'
import { MEASURED_PARTS } from '../plugins/app.js'
import autocannon from 'autocannon'

const ORDERS = Number(process.env.BENCH_ORDERS ?? 10_000)
const PATH = process.env.BENCH_HOOKS_PATH ?? 'single'
const REQUESTS = Number(process.env.BENCH_HOOKS_REQUESTS ?? 2000)
const ONLY = (process.env.BENCH_HOOKS_ONLY ?? '').split(',').filter(word => word !== '')
/** A key of the auth variant (16 characters at least, as API_KEYS asks). */
const KEY = 'bench-hooks-key-0123456789'

interface Variant {
  name: string
  env?: Record<string, string>
  headers?: Record<string, string>
  /** The child logs every request: its output is dropped. */
  quiet?: boolean
}

const ALL: Variant[] = [
  { name: 'default (as served, no logger)' },
  ...MEASURED_PARTS.map(part => ({ name: `without ${part}`, env: { BENCH_WITHOUT: part } })),
  { name: 'without event-loop pressure', env: { PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0' } },
  { name: 'with rate limit', env: { RATE_LIMIT_MAX: '10000000' } },
  {
    name: 'with under-pressure (heap and RSS limits)',
    env: { PRESSURE_MAX_HEAP_MB: '4096', PRESSURE_MAX_RSS_MB: '8192' }
  },
  { name: 'with auth (one API key)', env: { API_KEYS: `${KEY}:read` }, headers: { 'x-api-key': KEY } },
  { name: 'with a logger at LOG_LEVEL=silent', env: { BENCH_LOG_LEVEL: 'silent' } },
  { name: 'with a logger at LOG_LEVEL=info (to /dev/null)', env: { BENCH_LOG_LEVEL: 'info' }, quiet: true },
  {
    name: 'without every part above',
    env: { BENCH_WITHOUT: MEASURED_PARTS.join(','), PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0' }
  }
]

const VARIANTS = ALL.filter((variant, i) => i === 0 || ONLY.length === 0 || ONLY.some(w => variant.name.includes(w)))

interface Measured {
  results: autocannon.Result[]
  cpuMicros: number
}

/** `amount` requests, taking the paths in turn, with the child's CPU time they cost. */
async function measure (child: ServerChild, variant: Variant, paths: readonly string[],
  amount: number): Promise<{ result: autocannon.Result, cpuMicros: number }> {
  const before = await child.usage()
  const started = performance.now()
  let next = 0
  const result = await autocannon({
    url: child.url,
    connections: CONNECTIONS,
    amount,
    timeout: 20,
    requests: [{
      method: 'GET',
      headers: variant.headers ?? {},
      setupRequest: function nextPath (request) {
        request.path = paths[next++ % paths.length]!
        return request
      }
    }]
  })
  const after = await child.usage()
  // autocannon gives a run of `amount` requests a duration in whole seconds: time it here
  result.duration = (performance.now() - started) / 1000
  if (result.errors + result.timeouts > 0) {
    throw new Error(`${variant.name}: ${result.errors} connection errors and ${result.timeouts} timeouts`)
  }
  return { result, cpuMicros: after.cpuMicros - before.cpuMicros }
}

benchMain('hooks', 20, async function main () {
  const data = await dataset(ORDERS)
  const ids = spreadIds(ORDERS)
  const suffix = PATH === 'plain' ? '' : '?with=all'
  const paths = ids.map(id => `/api/orders/ord-${id}${suffix}`)
  const children: ServerChild[] = []
  try {
    // one at a time: starting them all at once starves a busy machine
    for (const variant of VARIANTS) {
      children.push(await spawnServer('app', {
        env: { DATABASE_URL: data.url, ...variant.env },
        ...(variant.quiet === true ? { quiet: true } : {})
      }))
    }
    for (const [i, variant] of VARIANTS.entries()) await measure(children[i]!, variant, paths, 2 * REQUESTS)
    const runs: Measured[] = VARIANTS.map(() => ({ results: [], cpuMicros: 0 }))
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < VARIANTS.length; k++) {
        const i = (k + round) % VARIANTS.length
        const { result, cpuMicros } = await measure(children[i]!, VARIANTS[i]!, paths, REQUESTS)
        runs[i]!.results.push(result)
        runs[i]!.cpuMicros += cpuMicros
      }
    }
    const rows = runs.map(run => {
      const load = summarize(run.results)
      return { load, cpuMs: run.cpuMicros / 1000 / Math.max(1, load.requests) }
    })
    const base = rows[0]!
    console.log(
      `\n### Each part of the request path: GET /api/orders/:id${suffix}, ${ORDERS.toLocaleString('en-US')} ` +
        `orders in SQLite, ${CONNECTIONS} connections, ${REQUESTS.toLocaleString('en-US')} requests each in ` +
        `${ROUNDS} interleaved rounds after ${(2 * REQUESTS).toLocaleString('en-US')} of warm-up\n`
    )
    console.log(markdownTable(
      ['variant', 'req/s', 'vs default', 'CPU ms / request', 'Δ CPU µs / request', 'Δ % of default CPU', 'non-2xx'],
      rows.map((row, i) => {
        const delta = row.cpuMs - base.cpuMs
        return [VARIANTS[i]!.name, row.load.requestsPerSec, `${(row.load.requestsPerSec / base.load.requestsPerSec)
          .toFixed(2)}×`, row.cpuMs, i === 0 ? '—' : (delta * 1000).toFixed(1),
        i === 0 ? '—' : `${((100 * delta) / base.cpuMs).toFixed(1)}%`, rejectedText(row.load)]
      })
    ))
  } finally {
    for (const child of children) await child.stop()
  }
})
