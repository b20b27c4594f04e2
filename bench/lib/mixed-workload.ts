// The mixed workload of the load benches (load.ts, postgres-load.ts): single GET ?with=all 40 %,
// list ?with=all 25 %, NDJSON stream ?with=all of one customer 10 %, merge patches 15 %, creates
// 10 %, as a fixed, interleaved sequence of 1,000 requests over `orders` sample orders.
import type autocannon from 'autocannon'

interface Kind { name: string, weight: number, request: (n: number) => autocannon.Request }

const pick = (n: number, max: number) => 1 + (n * 7919) % max

function kinds (orders: number): Kind[] {
  return [
    {
      name: 'GET /api/orders/:id?with=all',
      weight: 40,
      request: n => ({ method: 'GET', path: `/api/orders/ord-${pick(n, orders)}?with=all` })
    },
    {
      name: 'GET /api/orders?with=all&size=20',
      weight: 25,
      request: n => ({ method: 'GET', path: `/api/orders?with=all&size=20&page=${pick(n, orders / 20)}` })
    },
    {
      name: 'GET /api/orders/stream?with=all (one customer)',
      weight: 10,
      request: n => ({
        method: 'GET',
        path: `/api/orders/stream?with=all&filter=${encodeURIComponent(JSON.stringify({
          customerId: `cust-${pick(n, orders / 10)}`
        }))}`
      })
    },
    {
      name: 'PATCH /api/orders/:id',
      weight: 15,
      request: n => ({
        method: 'PATCH',
        path: `/api/orders/ord-${pick(n, orders)}`,
        headers: { 'content-type': 'application/merge-patch+json' },
        body: JSON.stringify({ status: n % 2 === 0 ? 'paid' : 'shipped' })
      })
    },
    {
      name: 'POST /api/order-items',
      weight: 10,
      request: n => ({
        method: 'POST',
        path: '/api/order-items',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ orderId: `ord-${pick(n, orders)}`, productId: 'prod-1', quantity: 1, unitPrice: 9.5 })
      })
    }
  ]
}

/** BENCH_LOAD_ONLY=<regexp> keeps the kinds whose name matches, to find which one costs. */
const ONLY = process.env.BENCH_LOAD_ONLY === undefined ? undefined : new RegExp(process.env.BENCH_LOAD_ONLY)

export interface Workload {
  requests: autocannon.Request[]
  /** Requests of each kind among the 1,000. */
  counts: Map<string, number>
  kinds: Array<{ name: string }>
}

/** A fixed, interleaved sequence of requests with the kinds' weights; every connection walks it. */
export function mixedWorkload (orders: number): Workload {
  const kept = kinds(orders).filter(k => ONLY === undefined || ONLY.test(k.name))
  const total = kept.reduce((sum, k) => sum + k.weight, 0)
  const requests: autocannon.Request[] = []
  const counts = new Map<string, number>()
  for (let n = 0; n < 1000; n++) {
    let slot = (n * 37) % total
    const kind = kept.find(k => (slot -= k.weight) < 0)!
    requests.push(kind.request(n))
    counts.set(kind.name, (counts.get(kind.name) ?? 0) + 1)
  }
  return { requests, counts, kinds: kept }
}
