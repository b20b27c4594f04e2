// The bounded total of a list over HTTP on every store: X-Total-Count is exact or absent; past
// COUNT_LIMIT a list answers X-Total-Count-At-Least (and with total=estimated, on a store that
// estimates, X-Total-Count-Estimate), total=exact always counts every match, and a page that
// reaches past the limit counts as far as it reaches, so its Link header stays right.
import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import type { LightMyRequestResponse } from 'fastify'
import { sampleOrders } from '../../src/sample/sample-data.js'
import { writeShop } from '../../src/sample/seed.js'
import { appOn, SIZE, STORES } from '../support/shop.js'

const ORDERS = sampleOrders(SIZE).orders // 500
const LIMIT = 100
const ENV = { COUNT_LIMIT: String(LIMIT) }
const byCustomer = { customerId: 'cust-2' }
const CUSTOMER_ORDERS = ORDERS.filter(order => order.customerId === 'cust-2').length

async function shop (t: Test, url: (typeof STORES)[number] | 'postgres'): Promise<FastifyInstance> {
  const app = await appOn(t, url, undefined, ENV)
  await writeShop(app.relata.store, SIZE)
  return app
}

/** The three total headers and the rels of the Link header. */
function totals (res: LightMyRequestResponse): Record<string, unknown> {
  const rels = [...String(res.headers.link ?? '').matchAll(/rel="(\w+)"/g)].map(match => match[1])
  return {
    status: res.statusCode,
    count: res.headers['x-total-count'],
    atLeast: res.headers['x-total-count-at-least'],
    estimate: res.headers['x-total-count-estimate'],
    rels
  }
}

const problem = (res: LightMyRequestResponse) => [res.statusCode, res.headers['content-type'], res.json().detail]

for (const url of [...STORES, 'postgres'] as const) {
  t.test(`${url}: past COUNT_LIMIT a list tells a lower bound, never an inexact X-Total-Count`, async t => {
    const app = await shop(t, url)
    const get = async (query: string) => totals(await app.inject(`/api/orders?${query}`))
    const bound = { status: 200, count: undefined, estimate: undefined }
    t.match(await get('size=10'), { ...bound, atLeast: String(LIMIT + 1), rels: ['next'] }, 'page 1')
    t.equal((await app.inject('/api/orders?size=10')).json().length, 10, 'the page itself is whole')
    t.match(await get('size=10&total=exact'), { status: 200, count: '500', atLeast: undefined }, 'total=exact')
    t.match(await get('size=10&total=bounded'), { ...bound, atLeast: String(LIMIT + 1) }, 'total=bounded')
    const filter = encodeURIComponent(JSON.stringify(byCustomer))
    t.match(await get(`size=10&filter=${filter}`), { status: 200, count: String(CUSTOMER_ORDERS), atLeast: undefined },
      `a filter matching ${CUSTOMER_ORDERS} (within the limit) is counted exactly`)
    t.match(await get('size=10&page=30'), { ...bound, atLeast: '301', rels: ['next', 'prev'] },
      'a deep page counts as far as it reaches, and one more: the next page exists')
    t.match(await get('size=10&page=50'), { status: 200, count: '500', atLeast: undefined, rels: ['prev'] },
      'a page reaching the end counts exactly: the last page has no next link')
    t.match(await get('size=10&with=customerId'), { ...bound, atLeast: String(LIMIT + 1), rels: ['next'] },
      'a page of graphs (on PostgreSQL built in one statement) counts the same way')
    t.match(await get('size=10&with=customerId&total=exact'), { status: 200, count: '500' }, 'graphs, exact')
    t.match(await get('size=10&cursor=true'), { ...bound, atLeast: String(LIMIT + 1), rels: ['next'] }, 'keyset')
    const estimated = await get('size=10&total=estimated')
    t.match(estimated, { status: 200, count: undefined, atLeast: String(LIMIT + 1) })
    const estimate = Number(estimated.estimate)
    if (url === 'postgres') t.ok(estimate >= LIMIT + 1, `the planner's estimate: ${estimated.estimate}`)
    else t.equal(estimated.estimate, undefined, 'no estimate where the store has none')
  })
}

t.test('total takes three values; the stream and GET /:id refuse it, naming it', async t => {
  const app = await shop(t, 'memory:')
  const [status, type, detail] = problem(await app.inject('/api/orders?total=some'))
  t.same([status, type], [400, 'application/problem+json; charset=utf-8'])
  t.match(detail, /total/)
  for (const url of ['/api/orders/stream?total=exact', '/api/orders/ord-1?total=exact']) {
    const [status, type, detail] = problem(await app.inject(url))
    t.same([status, type], [400, 'application/problem+json; charset=utf-8'], url)
    t.match(detail, /total/, url)
  }
})

t.test('COUNT_LIMIT=0 still answers pages and their links; a bad COUNT_LIMIT stops the start', async t => {
  const app = await appOn(t, 'memory:', undefined, { COUNT_LIMIT: '0' })
  await writeShop(app.relata.store, SIZE)
  t.match(totals(await app.inject('/api/orders?size=10&page=2')),
    { status: 200, count: undefined, atLeast: '21', rels: ['next', 'prev'] })
  const empty = encodeURIComponent(JSON.stringify({ customerId: 'nobody' }))
  t.match(totals(await app.inject(`/api/orders?filter=${empty}`)), { count: '0', atLeast: undefined, rels: [] },
    'no match is an exact 0')
  await t.rejects(appOn(t, 'memory:', undefined, { COUNT_LIMIT: '-1' }), /COUNT_LIMIT/)
})
