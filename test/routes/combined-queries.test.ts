// Issue #6's parameters together, on every store: a relation filter, a sort, a graph with a
// per-parent limit, fields and keyset cursors in one request. Walking the list by its cursor
// links gives exactly the one-page answer, and a stream resumed from a cursor in the middle
// gives exactly the rest: each feature keeps its meaning when combined with the others.
import t from 'tap'
import type { Graph } from '../../src/graph/graph.js'
import type { Doc } from '../../src/store/store.js'
import { countQueries } from '../helper.js'
import { shop, STORES } from '../support/shop.js'

const filter = encodeURIComponent(
  JSON.stringify({ status: { $ne: 'cancelled' }, OrderItem: { $some: { quantity: { $gte: 4 } } } })
)
const QUERY = `filter=${filter}&sort=-total&with=customerId,OrderItem&limit[OrderItem]=2&sort[OrderItem]=-quantity&` +
  'fields=total&fields[customerId]=name&fields[OrderItem]=quantity'

for (const url of STORES) {
  t.test(
    `${url}: a cursor walk and a resumed stream give the one-page answer, combined with every other parameter`,
    async t => {
      const app = await shop(t, url, { STREAM_BATCH_SIZE: '40' })
      const whole = await app.inject(`/api/orders?${QUERY}&size=1000`)
      t.equal(whole.statusCode, 200)
      const all = whole.json() as Graph[]
      const total = Number(whole.headers['x-total-count'])
      t.ok(all.length > 50 && all.length < 500, `the filter keeps some orders (${all.length} of 500)`)
      t.equal(total, all.length)
      t.ok(
        all.every(g => Object.keys(g.entity).join() === 'id,total'),
        'fields trim the orders'
      )
      t.ok(
        all.every(
          g =>
            g.children.OrderItem!.orderId!.length <= 2 &&
            g.children.OrderItem!.orderId!.every(i => Object.keys(i).join() === 'id,quantity')
        ),
        'and the items, two each at most'
      )
      t.ok(
        all.every(g => (g.children.OrderItem!.orderId as Doc[]).some(i => (i.quantity as number) >= 4)),
        'the top items by quantity include the one the filter asked for'
      )

      const walked: Graph[] = []
      let next: string | undefined = `/api/orders?${QUERY}&size=7&cursor=true`
      let pages = 0
      while (next !== undefined) {
        const res: { headers: Record<string, unknown>, json: () => unknown } = await app.inject(next)
        t.equal(Number(res.headers['x-total-count']), total, 'every page counts every match')
        walked.push(...(res.json() as Graph[]))
        next = /<([^>]+)>; rel="next"/.exec(String(res.headers.link ?? ''))?.[1]
        pages++
      }
      t.equal(pages, Math.ceil(total / 7))
      t.same(walked, all, 'the walk by cursors is the one-page answer')

      const stream = (after?: string) =>
        app.inject(`/api/orders/stream?${QUERY}&cursor=true${after === undefined ? '' : `&after=${after}`}`)
      const lines = (await stream()).body
        .trim()
        .split('\n')
        .map(line => JSON.parse(line) as { cursor: string, data: Graph })
      t.same(
        lines.map(l => l.data),
        all,
        'the stream holds the same graphs'
      )
      const middle = Math.floor(lines.length / 2)
      let rest: Array<{ data: Graph }> = []
      const queries = await countQueries(app, async () => {
        rest = (await stream(lines[middle - 1]!.cursor)).body
          .trim()
          .split('\n')
          .map(line => JSON.parse(line) as { data: Graph })
      })
      t.same(
        rest.map(l => l.data),
        all.slice(middle),
        'resumed from a cursor, the stream gives exactly the rest'
      )
      // per batch of 40: one filtered keyset read, one for the customers, one for the items
      t.equal(queries, 3 * Math.ceil(rest.length / 40), `${queries} round trips for ${rest.length} graphs`)
    }
  )
}
