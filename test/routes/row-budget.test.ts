// The row budget over HTTP on every store: a request whose graphs could load more related
// documents than ROW_BUDGET is refused before any store round trip, with the child limits that
// would fit; following that advice works; a stream reads smaller batches instead.
import t from 'tap'
import type { Graph } from '../../src/graph/graph.js'
import { countQueries, storeQueries } from '../helper.js'
import { shop, STORES } from '../support/shop.js'

// At the default CHILD_LIMIT (1000) one order's `with=all` may load 1 customer + 1000 items.
const BUDGET = { ROW_BUDGET: '2000' }

for (const url of STORES) {
  t.test(`${url}: a page over the budget is refused up front and says which limit fits`, async t => {
    const app = await shop(t, url, BUDGET)
    let res = await app.inject('/api/orders/ord-1?with=all')
    t.equal(res.statusCode, 200, 'one order: 1,001 at most, within 2,000')

    const queries = await countQueries(app, async () => { res = await app.inject('/api/orders?size=10&with=all') })
    t.equal(queries, 0, 'refused before reading anything')
    t.equal(res.statusCode, 422)
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
    const problem = res.json()
    t.match(problem, {
      type: 'urn:relata:problem:row-budget-exceeded',
      title: 'Row budget exceeded',
      status: 422,
      detail:
        /^with may load up to 10,010 related documents for 10 Order documents .*CHILD_LIMIT=1000.*budget of 2,000 per answer \(ROW_BUDGET\): add limit\[OrderItem\]=199 /
    })
    t.same(problem.errors, [
      { path: '/limit[OrderItem]', message: 'at most 199 fits the budget' },
      { path: '/size', message: 'at most 1 fits the budget' }
    ])

    res = await app.inject('/api/orders?size=10&with=all&limit[OrderItem]=199')
    t.equal(res.statusCode, 200, 'the advice fits')
    t.ok((res.json() as Graph[]).every(g => (g.children.OrderItem!.orderId!).length === 8), 'and loses nothing here')
    t.equal(
      (await app.inject('/api/orders?size=10&with=all&limit[OrderItem]=200')).statusCode,
      422,
      'one more does not'
    )
  })

  t.test(`${url}: counts and parents cost no children; depth multiplies`, async t => {
    const app = await shop(t, url, BUDGET)
    t.equal(
      (await app.inject('/api/orders?size=1000&count=OrderItem&with=customerId')).statusCode,
      200,
      '1,000 parents and counts fit 2,000'
    )
    const deep = await app.inject('/api/customers/cust-1?with=all&depth=2&limit[Order]=10')
    t.equal(deep.statusCode, 422)
    // 10 orders × (their customer + 1,000 items, and the order itself)
    t.match(
      deep.json().detail,
      /up to 10,020 related documents for one Customer .* add limit\[OrderItem\]=198 or limit\[Order\]=1 /
    )
    t.same(deep.json().errors, [
      { path: '/limit[OrderItem]', message: 'at most 198 fits the budget' },
      { path: '/limit[Order]', message: 'at most 1 fits the budget' }
    ], 'each limit that fits with the others as they are, the most generous first')
    t.match(
      (await app.inject('/api/customers?with=all&depth=3&limit[Order]=0&limit[OrderItem]=0&size=1')).statusCode,
      200,
      'limits of 0 count nothing'
    )
  })

  t.test(`${url}: a stream reads smaller batches to stay within the budget`, async t => {
    const app = await shop(t, url, BUDGET)
    const before = await storeQueries(app, { op: 'findByRefs' })
    // 100 children per order at most: batches of 20 orders, 25 of them for 500
    const res = await app.inject('/api/orders/stream?with=OrderItem&limit[OrderItem]=100')
    t.equal(res.statusCode, 200)
    const lines = res.body.trim().split('\n').map(line => JSON.parse(line) as Graph)
    t.equal(lines.length, 500, 'every order')
    t.ok(lines.every(g => g.children.OrderItem!.orderId!.length === 8), 'with all its items')
    t.equal(await storeQueries(app, { op: 'findByRefs' }) - before, 25, 'one findByRefs per batch of 20')

    let refused = await app.inject('/api/orders/stream?with=all&depth=2')
    t.equal(refused.statusCode, 422, 'one order alone could pass the budget: refused, not streamed')
    t.equal(refused.headers['content-type'], 'application/problem+json; charset=utf-8')
    t.match(refused.json().detail, /for one Order/)
    const queries = await countQueries(app, async () => {
      refused = await app.inject('/api/orders/stream?with=all&depth=2')
    })
    t.equal(queries, 0, 'before any read')
  })
}

t.test('a page over the budget names the largest page size that fits', async t => {
  const app = await shop(t, 'memory:', BUDGET)
  // 1 customer + 5 items per order: 333 orders load 1,998 documents at most, 334 load 2,004
  const res = await app.inject('/api/orders?size=500&with=customerId,OrderItem&limit[OrderItem]=5')
  t.equal(res.statusCode, 422)
  t.match(res.json(), {
    detail:
      /: add limit\[OrderItem\]=3 \(children per parent\), or ask for at most 333 documents \(size=333\) or a shorter with$/,
    errors: [
      { path: '/limit[OrderItem]', message: 'at most 3 fits the budget' },
      { path: '/size', message: 'at most 333 fits the budget' }
    ]
  })
  const page = (size: number) => app.inject(`/api/orders?size=${size}&with=customerId,OrderItem&limit[OrderItem]=5`)
  t.equal((await page(333)).statusCode, 200, 'the size named fits')
  t.equal((await page(334)).statusCode, 422, 'one more does not')
})

t.test('the advice never suggests a child limit of 0, which would load none of the children asked for', async t => {
  const app = await shop(t, 'memory:', { ROW_BUDGET: '1500' })
  // only limit[OrderItem]=0 would fit 1,000 orders: a page size is the advice instead
  const res = await app.inject('/api/orders?size=1000&with=customerId,OrderItem')
  t.equal(res.statusCode, 422)
  t.notMatch(res.json().detail, /limit\[OrderItem\]=0/)
  t.match(res.json(), {
    detail: /: no single child limit is enough: shorten with \(.*\) or ask for at most 1 document \(size=1\)$/,
    errors: [{ path: '/with' }, { path: '/size', message: 'at most 1 fits the budget' }]
  })
})

t.test('when no child limit is enough, the answer says to load less', async t => {
  const app = await shop(t, 'memory:', { ROW_BUDGET: '500' })
  const res = await app.inject('/api/orders?size=600&with=customerId,OrderItem')
  t.equal(res.statusCode, 422)
  t.match(res.json(), {
    detail:
      /600 Order documents .*: no single child limit is enough: shorten with \(fewer relationships or a smaller depth\) or ask for fewer documents$/,
    errors: [{ path: '/with', message: 'loads up to 1001 related documents per Order' }]
  })
  t.equal((await app.inject('/api/orders?size=500&with=customerId')).statusCode, 200, '500 customers fit 500')
})
