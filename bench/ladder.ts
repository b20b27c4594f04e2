// Where a GET of one order spends its time, layer by layer, in one run: the hand-written limit
// (limit-server.ts), then routes inside the Relata app (ladder-routes.ts) that each add one layer
// of Relata, up to the real route. All answer the same bytes (checked first). Per rung: req/s,
// the server's CPU µs per answer, and what the rung adds to the one below it. The CPU figures
// are the server children's own (user + system), so a busy machine skews them less than req/s.
//   BENCH_LADDER_PATH=plain (default) GET /api/orders/:id; single: GET /api/orders/:id?with=all
import { benchMain } from './lib/bench-main.js'
import { spawnServer, type ServerChild } from './lib/child.js'
import { dataset } from './lib/dataset.js'
import { CONNECTIONS, DURATION_SEC, ROUNDS, compare, rejectedText, spreadIds } from './lib/load.js'
import { printHotSpots, profileDir } from './lib/profile.js'
import { assertSameBytes } from './lib/same-bytes.js'
import { markdownTable } from './lib/table.js'

const ORDERS = Number(process.env.BENCH_ORDERS ?? 10_000)
const SINGLE = (process.env.BENCH_LADDER_PATH ?? 'plain') === 'single'

interface Rung {
  name: string
  /** What the rung adds to the one before it. */
  adds: string
  prefix: string
}

const RUNGS: Rung[] = [
  { name: 'limit', adds: 'a bare Fastify app running the statement', prefix: '/api/orders/' },
  { name: 'raw', adds: "Relata's app: its plugins and hooks", prefix: '/ladder/raw/' },
  ...(SINGLE ? [] : [{ name: 'store', adds: 'the store layers (timeout, frame, adapter)', prefix: '/ladder/store/' }]),
  { name: 'api', adds: 'EntityApi (as the route calls it) and its read plan', prefix: '/ladder/api/' },
  { name: 'route', adds: 'the entity route: its schema, query checks, answer', prefix: '/api/orders/' }
]

benchMain('ladder', 20, async function main () {
  const data = await dataset(ORDERS)
  const query = SINGLE ? '?with=all' : ''
  const ids = spreadIds(ORDERS)
  const limitDir = profileDir('ladder-limit')
  const appDir = profileDir('ladder-app')
  const limit = await spawnServer('limit', {
    env: { DATABASE_URL: data.url },
    ...(limitDir === undefined ? {} : { profileDir: limitDir })
  })
  const children: ServerChild[] = [limit]
  try {
    const app = await spawnServer('app', {
      env: { DATABASE_URL: data.url, BENCH_LADDER: '1' },
      ...(appDir === undefined ? {} : { profileDir: appDir })
    })
    children.push(app)
    const urls = RUNGS.map(rung => rung.name === 'limit' ? limit.url : app.url)
    for (const id of ids.slice(0, 3)) {
      for (let i = 1; i < RUNGS.length; i++) {
        await assertSameBytes(['the limit', limit.url + RUNGS[0]!.prefix], [`rung ${RUNGS[i]!.name}`,
          urls[i]! + RUNGS[i]!.prefix], `ord-${id}${query}`)
      }
    }
    const cpu = (child: ServerChild) => async () => (await child.usage()).cpuMicros
    const results = await compare(RUNGS.map((rung, i) => ({
      name: rung.name,
      url: urls[i]!,
      paths: ids.map(id => `${rung.prefix}ord-${id}${query}`),
      cpuMicros: cpu(rung.name === 'limit' ? limit : app)
    })))
    for (const child of children) await child.stop()
    printHotSpots('the limit', limitDir)
    printHotSpots('Relata (every rung)', appDir)
    console.log(`\n### GET /api/orders/:id${query}, layer by layer — ${ORDERS.toLocaleString('en-US')} orders in ` +
      `SQLite, ${CONNECTIONS} connections, ${DURATION_SEC} s each in ${ROUNDS} interleaved rounds\n`)
    const micros = results.map(r => r.cpuMsPerRequest! * 1000)
    console.log(markdownTable(
      ['rung', 'adds', 'req/s', '/ limit', 'CPU µs / req', 'Δ CPU µs', 'non-2xx'],
      RUNGS.map((rung, i) => [rung.name, rung.adds, results[i]!.requestsPerSec,
        `${(results[i]!.requestsPerSec / results[0]!.requestsPerSec).toFixed(2)}×`, micros[i]!,
        i === 0 ? '—' : (micros[i]! - micros[i - 1]!).toFixed(1), rejectedText(results[i]!)])
    ))
  } finally {
    for (const child of children) await child.stop()
  }
})
