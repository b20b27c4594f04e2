// Keyset paging over HTTP on every store: `after=<cursor>` on the list and the stream,
// `cursor=true` for cursor links and cursor lines. A walk by cursors sees every document once
// while documents are written, a stream cut over a real socket resumes with exactly the rest,
// cursors cost no round trip, and cursors this server did not issue are refused with 400.
import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { sampleOrders } from '../../src/sample/sample-data.js'
import type { Doc } from '../../src/store/store.js'
import { countQueries } from '../helper.js'
import { shop as shopOn, SIZE, STORES } from '../support/shop.js'
import { get, listen } from '../support/socket.js'

const BATCH = 40

/** The shop of support/shop.ts, with small stream batches so that a stream spans many reads. */
const shop = (t: Test, url: (typeof STORES)[number]): Promise<FastifyInstance> =>
  shopOn(t, url, { STREAM_BATCH_SIZE: String(BATCH) })

const ORDERS = sampleOrders(SIZE).orders

/** Orders by customerId, then total descending, then id: the order `sort=customerId,-total` asks for. */
function byCustomerThenTotal (orders: readonly Doc[]): string[] {
  return [...orders].sort((a, b) => {
    const customer =
      (a.customerId as string) < (b.customerId as string)
        ? -1
        : (a.customerId as string) > (b.customerId as string)
            ? 1
            : 0
    return customer || (b.total as number) - (a.total as number) || (a.id < b.id ? -1 : 1)
  }).map(order => order.id)
}

function nextLink (link: string | string[] | undefined): string | undefined {
  return /<([^>]+)>; rel="next"/.exec(String(link ?? ''))?.[1]
}

/** A cursor made by hand, to check what decoding refuses. */
function forged (body: unknown): string {
  return Buffer.from(JSON.stringify(body)).toString('base64url')
}

/** Reads a stream over a socket until `count` whole lines arrived, then drops the connection. */
async function firstLines (url: string, count: number): Promise<string[]> {
  const res = await get(url)
  res.setEncoding('utf8')
  let text = ''
  for await (const chunk of res) {
    text += chunk
    if (text.split('\n').length > count) break
  }
  res.destroy()
  return text.split('\n').slice(0, count)
}

const paidOrShipped = encodeURIComponent(JSON.stringify({ status: { $in: ['paid', 'shipped'] } }))

for (const url of STORES) {
  t.test(`${url}: walking a list by after sees every document once while documents are written`, async t => {
    const app = await shop(t, url)
    const matching = ORDERS.filter(order => order.status === 'paid' || order.status === 'shipped')
    const inserted = {
      // sorts before the position reached when it is written: not seen
      before: {
        id: 'ord-new-before',
        customerId: 'cust-1',
        status: 'paid',
        total: 1,
        createdAt: '2026-06-01T00:00:00.000Z'
      },
      // after it: seen, in its place
      after: {
        id: 'ord-new-after',
        customerId: 'cust-5',
        status: 'shipped',
        total: 0.5,
        createdAt: '2026-06-01T00:00:00.000Z'
      },
      // after it but not matching the filter: not seen
      other: {
        id: 'ord-new-other',
        customerId: 'cust-5',
        status: 'open',
        total: 0.25,
        createdAt: '2026-06-01T00:00:00.000Z'
      }
    }
    const expected = byCustomerThenTotal([...matching, inserted.after])
    let next: string | undefined = `/api/orders?sort=customerId,-total&filter=${paidOrShipped}&size=25&cursor=true`
    const seen: string[] = []
    const totals: number[] = []
    while (next !== undefined) {
      const res = await app.inject(next)
      t.equal(res.statusCode, 200, next)
      seen.push(...(res.json() as Doc[]).map(order => order.id))
      totals.push(Number(res.headers['x-total-count']))
      next = nextLink(res.headers.link)
      t.notOk(/rel="prev"/.test(String(res.headers.link)), 'no prev link: a cursor only goes forward')
      if (next !== undefined) { t.notOk(new URL(next, 'http://x').searchParams.has('page'), 'the next link continues by after, not page') }
      if (totals.length === 4) {
        const reached = ORDERS.find(o => o.id === seen[seen.length - 1])!.customerId as string
        t.ok(reached > 'cust-1' && reached < 'cust-5', `the walk is between cust-1 and cust-5 (${reached})`)
        await app.relata.store.upsertMany('Order', Object.values(inserted))
      }
    }
    t.same(seen, expected, 'every matching document once, in order; inserted before the cursor: not seen, after: seen')
    t.equal(totals.length, 11, '251 documents in pages of 25')
    t.same(
      [totals[0], totals[totals.length - 1]],
      [250, 252],
      'X-Total-Count counts every match, also before the cursor'
    )
  })

  t.test(`${url}: the first page of a cursor walk, as a Link and as links.next of shape=normalized`, async t => {
    const app = await shop(t, url)
    const order = byCustomerThenTotal(ORDERS)
    const first = await app.inject('/api/orders?sort=customerId,-total&size=3&cursor=true&with=customerId')
    t.same((first.json() as Array<{ entity: Doc }>).map(graph => graph.entity.id), order.slice(0, 3))
    const next = nextLink(first.headers.link)!
    const normalized = (
      await app.inject('/api/orders?sort=customerId,-total&size=3&cursor=true&with=customerId&shape=normalized')
    ).json() as { links: { next: string } }
    t.equal(
      normalized.links.next,
      next.replace('cursor=true&with=customerId', 'cursor=true&with=customerId&shape=normalized'),
      'the same next link, on the normalized request'
    )
    const second = await app.inject(next)
    t.same(
      (second.json() as Array<{ entity: Doc }>).map(graph => graph.entity.id),
      order.slice(3, 6),
      'with the graph, the next page'
    )
    const last = await app.inject(
      `/api/orders?sort=customerId,-total&size=5&after=${new URL(next, 'http://x').searchParams.get('after')!}&filter=${encodeURIComponent(JSON.stringify({ id: order[4] }))}`
    )
    t.same(
      [(last.json() as Doc[]).map(o => o.id), last.headers['x-total-count'], last.headers.link],
      [[order[4]], '1', undefined],
      'a filter may change; no next link when nothing follows'
    )
    const paged = await app.inject(`/api/orders?size=100&page=2&cursor=true&filter=${paidOrShipped}`)
    const afterPaged = await app.inject(nextLink(paged.headers.link)!)
    t.same(
      (afterPaged.json() as Doc[]).map(o => o.id),
      ORDERS.filter(o => o.status === 'paid' || o.status === 'shipped')
        .map(o => o.id)
        .sort()
        .slice(200),
      'cursor=true on a later page continues after its last item'
    )
    t.equal(nextLink(afterPaged.headers.link), undefined, 'and ends where the matches end')
  })

  t.test(`${url}: a stream cut over a socket resumes after its last line with exactly the rest`, async t => {
    const app = await shop(t, url)
    const base = await listen(app)
    const expected = byCustomerThenTotal(ORDERS)
    const query = 'sort=customerId,-total&cursor=true'
    const cut = (await firstLines(`${base}/api/orders/stream?${query}`, 130)).map(
      line => JSON.parse(line) as { cursor: string, data: Doc }
    )
    t.same(cut.map(line => line.data.id), expected.slice(0, 130), 'the lines before the cut')
    t.same(Object.keys(cut[0]!), ['cursor', 'data'], 'one shape per line: cursor, then data')
    const res = await get(`${base}/api/orders/stream?${query}&after=${cut[cut.length - 1]!.cursor}`)
    t.equal(res.statusCode, 200)
    let text = ''
    res.setEncoding('utf8')
    for await (const chunk of res) text += chunk
    const rest = text.trim().split('\n').map(line => JSON.parse(line) as { cursor: string, data: Doc })
    t.same(rest.map(line => line.data.id), expected.slice(130), 'resumed: exactly the rest, no loss, no duplicate')
    const plain = (await app.inject(`/api/orders/stream?sort=customerId,-total&after=${rest[9]!.cursor}`)).body
      .trim()
      .split('\n')
      .map(line => JSON.parse(line) as Doc)
    t.same(plain.map(doc => doc.id), expected.slice(140), 'after without cursor=true: plain documents')
  })

  t.test(`${url}: cursor lines cost no round trip, with=all included`, async t => {
    const app = await shop(t, url)
    const graphs = { plain: '', cursors: '' }
    const plainReads = await countQueries(app, async () => {
      graphs.plain = (await app.inject('/api/orders/stream?with=all')).body
    })
    const cursorReads = await countQueries(app, async () => {
      graphs.cursors = (await app.inject('/api/orders/stream?with=all&cursor=true')).body
    })
    const batches = Math.ceil(SIZE.orders / BATCH)
    t.ok(
      plainReads === batches * 3 || plainReads === batches * 3 + 1,
      `one stream read and two relationship reads per batch (${plainReads})`
    )
    t.equal(cursorReads, plainReads, 'the same round trips with cursor lines')
    const lines = graphs.cursors.trim().split('\n').map(line => JSON.parse(line) as { data: unknown })
    t.same(
      lines.map(line => line.data),
      graphs.plain
        .trim()
        .split('\n')
        .map(line => JSON.parse(line)),
      'data is the graph the plain stream answers'
    )
    const resumed = await countQueries(app, async () => {
      await app.inject(
        '/api/orders/stream?with=all&cursor=true&after=' +
          `${(JSON.parse(graphs.cursors.split('\n')[SIZE.orders - BATCH - 1]!) as { cursor: string }).cursor}`
      )
    })
    t.ok(resumed === 3 || resumed === 4, `resuming for the last batch reads one batch (${resumed})`)
  })
}

t.test('cursors the server did not issue, or for another sort, are refused with 400', async t => {
  const app = await shop(t, 'memory:')
  const line = (await app.inject('/api/orders/stream?sort=-total&cursor=true')).body.split('\n')[0]!
  const good = (JSON.parse(line) as { cursor: string }).cursor
  const body = JSON.parse(Buffer.from(good, 'base64url').toString()) as Record<string, unknown>
  const notIssued = (why: string) => ({
    status: 400,
    detail: `after: the cursor is not one this server issued for Order (${why}); pass a cursor exactly as this ` +
      'server gave it for Order (a stream line with cursor=true, or a list\'s next link)',
    errors: [{ path: '/after', message: 'not a cursor issued for Order' }]
  })
  const cases: Array<[string, string, object]> = [
    ['not base64url', 'a+b/c=', notIssued('not base64url')],
    // 'QR' decodes to 'A' with leftover bits set: only 'QQ' is the encoding of 'A'
    ['not canonical base64url', 'QR', notIssued('not base64url')],
    ['not JSON', Buffer.from('{"v":1').toString('base64url'), notIssued('not JSON')],
    ['an array', forged([1, 'x']), notIssued('not a cursor')],
    ['another version', forged({ ...body, v: 2 }), notIssued('unknown version or shape')],
    ['an extra property', forged({ ...body, x: 1 }), notIssued('unknown version or shape')],
    ['a sort that is no sort', forged({ ...body, s: 'a b' }), notIssued('unknown version or shape')],
    ['another entity', forged({ ...body, e: 'Customer' }), notIssued('made for another entity')],
    ['too few key values', forged({ ...body, k: ['ord-1'] }), notIssued('its key values do not fit the sort')],
    ['a number id', forged({ ...body, k: [1, 2] }), notIssued('its key values do not fit the sort')],
    ['another sort', forged({ ...body, s: 'total' }), {
      status: 400,
      detail: 'after: this cursor was made for sort=total, not for sort=-total; repeat sort=total to continue with it',
      errors: [{ path: '/after', message: 'made for sort=total' }]
    }]
  ]
  for (const [label, cursor, expected] of cases) {
    for (const route of ['/api/orders', '/api/orders/stream']) {
      const res = await app.inject(`${route}?sort=-total&after=${cursor}`)
      t.match(res.headers['content-type'], /^application\/problem\+json/, `${label} on ${route}`)
      t.match(res.json(), expected, `${label} on ${route}`)
    }
  }
  const unsorted = await app.inject(`/api/orders?after=${good}`)
  t.match(
    unsorted.json(),
    {
      status: 400,
      detail:
        'after: this cursor was made for sort=-total, not for the default order; repeat sort=-total to continue with it'
    },
    'a sorted cursor without its sort'
  )
  const byDefault = forged({ ...body, s: '', k: ['ord-1'] })
  t.match(
    (await app.inject(`/api/orders?sort=total&after=${byDefault}`)).json(),
    {
      detail:
        'after: this cursor was made for the default order (no sort), not for sort=total; repeat the request ' +
          'without sort to continue with it'
    },
    'a cursor of the default order with a sort'
  )
  t.match((await app.inject(`/api/orders?sort=-total&page=2&after=${good}`)).json(), {
    status: 400,
    detail: 'page 2 cannot be combined with after: drop page, the cursor already says where the page starts',
    errors: [{ path: '/page', message: 'must be 1 (or left out) with after' }]
  })
  const long = await app.inject(`/api/orders?after=${'A'.repeat(8193)}`)
  t.match(
    long,
    { statusCode: 400, headers: { 'content-type': /^application\/problem\+json/ } },
    'a cursor longer than any issued'
  )
})
