// Which PostgreSQL driver (issue #13: "a maintained driver chosen by measurement"): node-postgres
// `pg` (what the store uses: Pool, named prepared statements, DECLARE/FETCH cursors) against
// porsager's `postgres` 3.x (prepared statements, `.cursor(n)`), in one process, one driver at
// a time, same pool size, same concurrency, same data (bench/lib/pg-dataset.ts). The statements
// are Relata's own, caught from the store while it answers a request (lib/captured-statements.ts):
// the one-statement graph of `GET /api/orders/:id?with=all` and of the page of 100 `with=all`,
// plus the plain get by id and a stream of every order (20,000 rows, 100 per round trip). Both
// drivers' rows are checked equal before timing. Per case and driver: ops/s, Node CPU ms per op
// (process.cpuUsage) and the CPU of the pool's PostgreSQL backends per op (/proc).
import { readFileSync } from 'node:fs'
import { benchMain } from './lib/bench-main.js'
import { nodePostgres, porsager, type BenchDriver } from './lib/bench-drivers.js'
import { capturedStatements, parameterised, type Statement } from './lib/captured-statements.js'
import { DURATION_SEC, ROUNDS, WARMUP_SEC, spreadIds } from './lib/load.js'
import { pgDataset } from './lib/pg-dataset.js'
import { markdownTable, ratio } from './lib/table.js'
import { getSql, streamSql } from '../src/store/postgres/statements.js'

const ORDERS = Number(process.env.BENCH_PG_ORDERS ?? 20_000)
const ITEMS = 4
const SIZE = 100
const BATCH = 100
/** Pool size of each driver, and how many loops run operations at once. */
const POOL = Number(process.env.PG_POOL_SIZE ?? 10)
const CONCURRENCY = Number(process.env.BENCH_CONNECTIONS ?? 10)

/** The installed version of package `name`. */
function version (name: string): string {
  const file = new URL(`../node_modules/${name}/package.json`, import.meta.url)
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version
}

/** One operation, number `i` of its run, through one driver; resolves to what it read (for the check). */
type Operation = (driver: BenchDriver, i: number) => Promise<unknown[]>

interface DriverCase {
  name: string
  op: Operation
}

interface Measure {
  ops: number
  /** Wall seconds until the last loop ended (its last operation may end past the deadline). */
  seconds: number
  nodeMs: number
  backendMs: number
}

/** Runs `op` in CONCURRENCY loops for `seconds`: operations done, and the CPU they took. */
async function timed (driver: BenchDriver, op: Operation, seconds: number): Promise<Measure> {
  const end = performance.now() + seconds * 1000
  let next = 0
  let ops = 0
  const backendBefore = await driver.backends.totalMs()
  const cpu = process.cpuUsage()
  const started = performance.now()
  await Promise.all(Array.from({ length: CONCURRENCY }, async function loop () {
    while (performance.now() < end) {
      await op(driver, next++)
      ops++
    }
  }))
  const used = process.cpuUsage(cpu)
  const wall = (performance.now() - started) / 1000
  const backendMs = await driver.backends.totalMs() - backendBefore
  return { ops, seconds: wall, nodeMs: (used.user + used.system) / 1000, backendMs }
}

async function cases (url: string): Promise<DriverCase[]> {
  const ids = spreadIds(ORDERS)
  const pages = Math.floor(ORDERS / SIZE)
  const offset = (i: number) => ((i * 37) % pages) * SIZE
  const id = (i: number) => `ord-${ids[i % ids.length]}`
  const rows = `stream ${ORDERS.toLocaleString('en-US')} rows by ${BATCH}`
  const [singleA, singleB, pageA, pageB] = await capturedStatements(url, [
    '/api/orders/ord-1?with=all', '/api/orders/ord-2?with=all',
    `/api/orders?with=all&size=${SIZE}&page=2`, `/api/orders?with=all&size=${SIZE}&page=3`
  ])
  const single = parameterised(singleA!, singleB!, 'ord-1', 'ord-2')
  const page = parameterised(pageA!, pageB!, SIZE, 2 * SIZE)
  const get = (id: string): Statement => ({ text: getSql('"Order"'), values: [id] })
  const select = streamSql('"Order"', 'true', 't0.id')
  const streamed = (read: 'declared' | 'cursor'): Operation => async function stream (driver) {
    const bodies: unknown[] = []
    await driver[read](select, BATCH, rows => { for (const row of rows) bodies.push(row.body) })
    if (bodies.length !== ORDERS) throw new Error(`${driver.name} streamed ${bodies.length} rows, not ${ORDERS}`)
    return bodies
  }
  return [
    { name: 'get by id (plain)', op: async (d, i) => await d.run('get', get(id(i))) },
    { name: 'single order with=all (graph)', op: async (d, i) => await d.run('single', single(id(i))) },
    { name: `page of ${SIZE} with=all (graph)`, op: async (d, i) => await d.run('page', page(offset(i))) },
    { name: `${rows}: pg DECLARE/FETCH, postgres .cursor()`, op: streamed('cursor') },
    { name: `${rows}: DECLARE/FETCH on both`, op: streamed('declared') }
  ]
}

/** Both drivers read the same rows, for a few operations of each case. */
async function sameRows (all: readonly DriverCase[], drivers: readonly BenchDriver[]): Promise<void> {
  for (const c of all) {
    for (const i of [0, 1, 57]) {
      const texts = await Promise.all(drivers.map(async driver => JSON.stringify(await c.op(driver, i))))
      if (texts.some(text => text !== texts[0])) {
        throw new Error(`${c.name}: the drivers read different rows:\n${texts.map(t => t.slice(0, 300)).join('\n')}`)
      }
    }
  }
}

benchMain('pg-drivers', 15, async function main () {
  const url = await pgDataset(ORDERS, ITEMS)
  const all = await cases(url)
  const drivers = [await nodePostgres(url, POOL), await porsager(url, POOL)]
  try {
    await sameRows(all, drivers)
    const totals = new Map<string, Measure>()
    for (const c of all) for (const driver of drivers) await timed(driver, c.op, WARMUP_SEC)
    for (let round = 0; round < ROUNDS; round++) {
      for (const c of all) {
        // the driver that goes first alternates, so drift on a shared machine hits both alike
        for (const driver of round % 2 === 0 ? drivers : [...drivers].reverse()) {
          const m = await timed(driver, c.op, DURATION_SEC / ROUNDS)
          const key = `${c.name}|${driver.name}`
          const sum = totals.get(key) ?? { ops: 0, seconds: 0, nodeMs: 0, backendMs: 0 }
          totals.set(key, {
            ops: sum.ops + m.ops,
            seconds: sum.seconds + m.seconds,
            nodeMs: sum.nodeMs + m.nodeMs,
            backendMs: sum.backendMs + m.backendMs
          })
        }
      }
    }
    console.log(`\n### pg ${version('pg')} vs postgres ${version('postgres')} — ` +
      `${ORDERS.toLocaleString('en-US')} orders × ` +
      `${ITEMS} items, pools of ${POOL}, ${CONCURRENCY} concurrent loops, ${DURATION_SEC} s per case and driver in ` +
      `${ROUNDS} interleaved rounds\n`)
    console.log(markdownTable(['case', 'pg ops/s', 'postgres ops/s', 'postgres / pg', 'Node CPU ms/op pg',
      'Node CPU ms/op postgres', 'backend CPU ms/op pg', 'backend CPU ms/op postgres'], all.map(c => {
      const [a, b] = drivers.map(driver => totals.get(`${c.name}|${driver.name}`)!)
      const [rateA, rateB] = [a!.ops / a!.seconds, b!.ops / b!.seconds]
      return [c.name, rateA, rateB, ratio(rateB, rateA), a!.nodeMs / a!.ops,
        b!.nodeMs / b!.ops, a!.backendMs / a!.ops, b!.backendMs / b!.ops]
    })))
  } finally {
    for (const driver of drivers) {
      await driver.end()
      await driver.backends.stop()
    }
  }
})
