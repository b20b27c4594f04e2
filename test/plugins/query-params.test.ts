// Query parameters are checked by name: unknown, inapplicable and repeated ones are 400s that
// name the parameter and what the route takes; the bracket families pass on to the parser.
import t from 'tap'
import { build } from '../helper.js'

const LIST_TAKES = 'after, count, cursor, depth, fields, filter, page, shape, size, sort, total, with, ' +
  'fields[<relationship>], limit[<Child>], sort[<Child>]'
const STREAM_TAKES = 'after, count, cursor, depth, fields, filter, sort, with, ' +
  'fields[<relationship>], limit[<Child>], sort[<Child>]'
const stream = (name: string, why: string) =>
  `GET /api/orders/stream takes no query parameter '${name}' (${why}); it takes ${STREAM_TAKES}`

t.test('unknown and inapplicable parameters are 400s naming them', async t => {
  const app = await build(t, { env: { SEED: 'true' } })
  const whole = 'a stream answers every match in one body; resume it with after'
  const one = 'GET /:id answers one document; the list takes it'
  const cases: Array<[string, string, string]> = [
    ['/api/orders?limit=5', 'limit', `GET /api/orders takes no query parameter 'limit'; it takes ${LIST_TAKES}`],
    ['/api/orders?sise=5', 'sise', `GET /api/orders takes no query parameter 'sise'; it takes ${LIST_TAKES}`],
    ['/api/orders/stream?size=2', 'size', stream('size', whole)],
    ['/api/orders/stream?page=2', 'page', stream('page', whole)],
    ['/api/orders/stream?shape=normalized', 'shape', stream('shape', 'a stream has one document or graph per line')],
    ['/api/orders/ord-1?sort=-total', 'sort',
      `GET /api/orders/:id takes no query parameter 'sort' (${one}); it takes ` +
      'count, depth, fields, shape, with, fields[<relationship>], limit[<Child>], sort[<Child>]']
  ]
  for (const [url, name, detail] of cases) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 400, url)
    t.match(res.headers['content-type'], /^application\/problem\+json/, url)
    t.same(res.json().errors, [{ path: `/querystring/${name}`, message: 'unknown parameter' }], url)
    t.equal(res.json().detail, detail, url)
  }
  const typo = await app.inject({
    method: 'POST',
    url: '/api/orders/import?batchsize=5',
    headers: { 'content-type': 'application/x-ndjson' },
    payload: ''
  })
  t.equal(typo.json().detail, 'POST /api/orders/import takes no query parameter \'batchsize\'; it takes batchSize')
  const depth = await app.inject('/api/orders?depth=2')
  t.equal(depth.statusCode, 400)
  t.equal(depth.json().detail, 'depth=2 extends with=all, and with is missing; add with=all')
})

t.test('a parameter given twice is a 400 saying to give it once', async t => {
  const app = await build(t, { env: { SEED: 'true' } })
  const cases: Array<[string, string]> = [
    ['/api/orders?with=customerId&with=OrderItem',
      'query parameter \'with\' is given 2 times; list the values in one, comma-separated (with=a,b)'],
    ['/api/orders?size=5&size=6', 'query parameter \'size\' is given 2 times; give it once'],
    ['/api/orders/stream?with=OrderItem&limit[OrderItem]=1&limit[OrderItem]=2',
      'query parameter \'limit[OrderItem]\' is given 2 times; give it once'],
    ['/api/orders/ord-1?with=customerId&fields[customerId]=name&fields[customerId]=email&fields[customerId]=city',
      'query parameter \'fields[customerId]\' is given 3 times; ' +
      'list the values in one, comma-separated (fields[customerId]=a,b)']
  ]
  for (const [url, detail] of cases) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 400, url)
    t.equal(res.json().detail, detail, url)
  }
})

t.test('shape=bogus names the valid values once', async t => {
  const app = await build(t)
  const res = await app.inject('/api/orders?shape=bogus')
  t.equal(res.statusCode, 400)
  t.equal(res.json().detail, 'invalid querystring: /shape must be one of nested, normalized')
  t.same(res.json().errors, [{ path: '/querystring/shape', message: 'must be one of nested, normalized' }])
})

t.test('declared and bracket parameters still work', async t => {
  const app = await build(t, { env: { SEED: 'true' } })
  const ok = [
    '/api/orders?with=OrderItem.productId&limit[OrderItem]=1&sort[OrderItem]=-quantity' +
      '&fields[OrderItem.productId]=name&size=2',
    '/api/orders/ord-1?with=all&depth=2&fields=total&fields[customerId]=name&shape=normalized',
    '/api/customers/stream?with=Order.OrderItem&limit[OrderItem]=1&cursor=true'
  ]
  for (const url of ok) t.equal((await app.inject(url)).statusCode, 200, url)
  const unknownChild = await app.inject('/api/orders?with=OrderItem&limit[Nope]=1')
  t.equal(unknownChild.statusCode, 400)
  t.match(
    unknownChild.json().detail,
    /^limit\[Nope\] names no child entity/,
    'the parser names a wrong name inside brackets'
  )
})
