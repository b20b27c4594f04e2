// GET one order by id: requests/s of (a) a bare Fastify route answering precomputed bytes
// identical to the `?with=all` answer (the ceiling of the HTTP stack), (a2) the same route also
// sending the headers the app adds (security headers), (b) the plain document
// and (c) the order with its customer and items, all from a SQLite file of 10,000 orders.
// Each server runs in its own child process; autocannon runs here, interleaving the three
// cases in rounds. Target: (c) ≥ 0.5 × (a).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { benchMain } from './lib/bench-main.js'
import { spawnServer, type ServerChild } from './lib/child.js'
import { dataset } from './lib/dataset.js'
import { CONNECTIONS, DURATION_SEC, ROUNDS, compare, rejectedText, spreadIds } from './lib/load.js'
import { printHotSpots, profileDir } from './lib/profile.js'
import { markdownTable, ratio, verdict } from './lib/table.js'

const ORDERS = Number(process.env.BENCH_ORDERS ?? 10_000)
const TARGET = 0.5

async function main (): Promise<void> {
  const data = await dataset(ORDERS)
  const ids = spreadIds(ORDERS)
  const scratch = mkdtempSync(join(tmpdir(), 'relata-bench-'))
  const children: ServerChild[] = []
  try {
    // (b) and (c) each get their own app child, so that each profile (BENCH_PROFILE=1) and
    // each JIT state belongs to one case.
    const plainProfile = profileDir('get-by-id-plain')
    const graphProfile = profileDir('get-by-id-with-all')
    const appPlain = await spawnServer('app', {
      env: { DATABASE_URL: data.url },
      ...(plainProfile === undefined ? {} : { profileDir: plainProfile })
    })
    children.push(appPlain)
    const app = await spawnServer('app', {
      env: { DATABASE_URL: data.url },
      ...(graphProfile === undefined ? {} : { profileDir: graphProfile })
    })
    children.push(app)
    const sample = await fetch(`${app.url}/api/orders/ord-1?with=all`)
    if (!sample.ok) throw new Error(`GET /api/orders/ord-1?with=all answered ${sample.status}: ${await sample.text()}`)
    const bodyFile = join(scratch, 'order-graph.json')
    const body = Buffer.from(await sample.arrayBuffer())
    assertGraph(JSON.parse(body.toString('utf8')))
    writeFileSync(bodyFile, body)
    const headersFile = join(scratch, 'headers.json')
    writeFileSync(headersFile, JSON.stringify(extraHeaders(sample.headers)))
    const bare = await spawnServer('bare', { env: { BENCH_BODY_FILE: bodyFile } })
    children.push(bare)
    const bareHeaders = await spawnServer('bare', {
      env: { BENCH_BODY_FILE: bodyFile, BENCH_HEADERS_FILE: headersFile }
    })
    children.push(bareHeaders)

    const withAll = ids.map(id => `/api/orders/ord-${id}?with=all`)
    const plain = ids.map(id => `/api/orders/ord-${id}`)
    const cases = [
      { name: '(a) bare Fastify route, precomputed `with=all` bytes', url: bare.url, paths: withAll },
      { name: '(a2) same, plus the headers the app sends', url: bareHeaders.url, paths: withAll },
      { name: '(b) GET /api/orders/:id', url: appPlain.url, paths: plain },
      { name: '(c) GET /api/orders/:id?with=all', url: app.url, paths: withAll }
    ]
    const results = await compare(cases)
    const rows = cases.map((c, i) => [c.name, results[i]!] as const)
    const { maxRssBytes } = await app.usage()
    for (const child of children) await child.stop()
    printHotSpots('app serving (b) GET /api/orders/:id', plainProfile)
    printHotSpots('app serving (c) GET /api/orders/:id?with=all', graphProfile)

    const ceiling = rows[0]![1].requestsPerSec
    const graph = rows[3]![1].requestsPerSec
    console.log(
      `\n### GET by id — ${ORDERS.toLocaleString('en-US')} orders × 3 items in SQLite, ${CONNECTIONS} ` +
        `connections, ${DURATION_SEC} s each in ${ROUNDS} interleaved rounds, ${ids.length.toLocaleString('en-US')} ` +
        `distinct ids, ${body.length} B graph\n`
    )
    console.log(
      markdownTable(
        ['case', 'req/s', 'vs (a)', 'mean ms', 'p99 ms', 'MB/s', 'non-2xx'],
        rows.map(([name, r]) => [
          name,
          r.requestsPerSec,
          ratio(r.requestsPerSec, ceiling),
          r.latencyMeanMs,
          r.latencyP99Ms,
          r.bytesPerSec / 1e6,
          rejectedText(r)
        ])
      )
    )
    console.log(
      `\n(c)/(a) = ${(graph / ceiling).toFixed(2)} (target ≥ ${TARGET}: ${verdict(graph / ceiling >= TARGET)}); ` +
        `(c)/(a2) = ${(graph / rows[1]![1].requestsPerSec).toFixed(2)}; (c)/(b) ` +
        `= ${(graph / rows[2]![1].requestsPerSec).toFixed(2)}; peak RSS of the app serving ` +
        `(c) ${(maxRssBytes / 1e6).toFixed(0)} MB`
    )
  } finally {
    for (const child of children) await child.stop()
    rmSync(scratch, { recursive: true, force: true })
  }
}

/** Headers the app adds beyond what any Fastify route sends (security headers and the like). */
function extraHeaders (headers: Headers): Record<string, string> {
  const own = new Set(['connection', 'content-length', 'content-type', 'date', 'keep-alive', 'transfer-encoding'])
  return Object.fromEntries([...headers].filter(([name]) => !own.has(name)))
}

function assertGraph (graph: unknown): void {
  const g = graph as {
    entity?: { id?: string }
    parents?: { customerId?: unknown }
    children?: { OrderItem?: { orderId?: unknown[] } }
  }
  if (g.entity?.id !== 'ord-1' || g.parents?.customerId == null || g.children?.OrderItem?.orderId?.length !== 3) {
    throw new Error(`unexpected ?with=all answer: ${JSON.stringify(graph)}`)
  }
}

benchMain('get-by-id', 10, main)
