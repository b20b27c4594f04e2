// A comparison row: one order with its customer and items from json-server 0.17 (data in
// memory, `?_expand=customer&_embed=orderItems`) against Relata's `GET /api/orders/:id?with=all`
// on a SQLite file, the same 10,000 sample orders and the same ids, each server in a child.
import { benchMain } from './lib/bench-main.js'
import { spawnServer, type ServerChild } from './lib/child.js'
import { dataset } from './lib/dataset.js'
import { CONNECTIONS, DURATION_SEC, ROUNDS, compare, rejectedText, spreadIds } from './lib/load.js'
import { markdownTable, ratio } from './lib/table.js'

const ORDERS = Number(process.env.BENCH_ORDERS ?? 10_000)

async function main (): Promise<void> {
  const data = await dataset(ORDERS)
  const ids = spreadIds(ORDERS)
  const children: ServerChild[] = []
  try {
    const app = await spawnServer('app', { env: { DATABASE_URL: data.url } })
    children.push(app)
    const json = await spawnServer('json-server', { env: { BENCH_ORDERS: String(ORDERS) } })
    children.push(json)
    await assertSameOrder(app.url, json.url)

    const cases = [
      {
        name: 'json-server 0.17 GET /orders/:id?_expand=customer&_embed=orderItems (in memory)',
        url: json.url,
        paths: ids.map(id => `/orders/ord-${id}?_expand=customer&_embed=orderItems`)
      },
      {
        name: 'Relata GET /api/orders/:id?with=all (SQLite file)',
        url: app.url,
        paths: ids.map(id => `/api/orders/ord-${id}?with=all`)
      }
    ]
    const results = await compare(cases)
    const rows = cases.map((c, i) => [c.name, results[i]!] as const)
    const base = rows[0]![1].requestsPerSec
    console.log(
      `\n### One order with customer and items: json-server vs Relata — ${ORDERS.toLocaleString('en-US')} orders × ` +
        `3 items, ${CONNECTIONS} connections, ${DURATION_SEC} s each in ${ROUNDS} interleaved rounds\n`
    )
    console.log(
      markdownTable(
        ['case', 'req/s', 'vs json-server', 'mean ms', 'p99 ms', 'MB/s', 'non-2xx'],
        rows.map(([name, r]) => [
          name,
          r.requestsPerSec,
          ratio(r.requestsPerSec, base),
          r.latencyMeanMs,
          r.latencyP99Ms,
          r.bytesPerSec / 1e6,
          rejectedText(r)
        ])
      )
    )
  } finally {
    for (const child of children) await child.stop()
  }
}

/** Both must hold the same order, customer and items, or the row compares nothing. */
async function assertSameOrder (appUrl: string, jsonUrl: string): Promise<void> {
  const graph = (await (await fetch(`${appUrl}/api/orders/ord-42?with=all`)).json()) as {
    entity: object
    parents: { customerId: object }
    children: { OrderItem: { orderId: object[] } }
  }
  const embedded = (await (await fetch(`${jsonUrl}/orders/ord-42?_expand=customer&_embed=orderItems`)).json()) as {
    customer: object
    orderItems: object[]
  }
  const { customer, orderItems, ...order } = embedded
  const same =
    JSON.stringify([graph.entity, graph.parents.customerId, graph.children.OrderItem.orderId]) ===
    JSON.stringify([order, customer, orderItems])
  if (!same) {
    throw new Error(`json-server and Relata disagree on ord-42:\n${JSON.stringify(graph)}\n${JSON.stringify(embedded)}`)
  }
}

benchMain('json-server', 10, main)
