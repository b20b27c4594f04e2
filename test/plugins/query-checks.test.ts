// The query-params plugin on a bare Fastify instance: a route's query string is checked (names,
// values) and parsed once, a repeated one is looked up, and a refused one is refused again each
// time exactly as Fastify's own validation refuses it.
import t, { type Test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import problemsPlugin from '../../plugins/problems.js'
import queryParamsPlugin from '../../plugins/query-params.js'
import { readQueryOf } from '../../routes/checked-queries.js'
import type { ReadQuery } from '../../src/entities/entity-api.js'
import type { RawQuery } from '../../src/entities/query.js'
import { EntityScope } from '../../src/metadata/entity-scope.js'
import { build } from '../helper.js'
import { integrityModel } from '../integrity-model.js'
import { sourceModel } from '../sources/source-model.js'

const querystring = Type.Object({
  page: Type.Integer({ minimum: 1, maximum: 1000, default: 1 }),
  total: Type.Optional(Type.String({ enum: ['exact', 'bounded'] })),
  cursor: Type.Optional(Type.Boolean()),
  with: Type.Optional(Type.String({ minLength: 1 }))
})

const params = Type.Object({ id: Type.String({ minLength: 2, maxLength: 4 }) })

interface Seen {
  parsed: RawQuery[]
  queries: Set<unknown>
}

async function bare (t: Test, checked: boolean): Promise<{ app: FastifyInstance, seen: Seen }> {
  const app = Fastify()
  t.teardown(() => app.close())
  app.decorateRequest('entityScope', { getter: () => EntityScope.EVERY })
  await app.register(problemsPlugin)
  if (checked) await app.register(queryParamsPlugin)
  const seen: Seen = { parsed: [], queries: new Set() }
  // what the parse makes of the query: enough to tell that the handler reads it
  const parseQuery = (query: RawQuery): ReadQuery => {
    seen.parsed.push(query)
    return { with: query.with } as unknown as ReadQuery
  }
  app.get('/things', { config: { parseQuery }, schema: { querystring } }, async function things (request) {
    seen.queries.add(request.query)
    return { query: request.query, read: checked ? readQueryOf(request) : null }
  })
  app.get('/things/:id', { config: { parseQuery }, schema: { querystring, params } }, async function thing (request) {
    return { params: request.params, query: request.query }
  })
  return { app, seen }
}

t.test('a repeated query string is checked and parsed once, its values coerced and defaulted', async t => {
  const { app, seen } = await bare(t, true)
  for (let i = 0; i < 3; i++) {
    const res = await app.inject('/things?page=2&cursor=true&with=a')
    t.equal(res.statusCode, 200)
    t.same(res.json(), { query: { page: 2, cursor: true, with: 'a' }, read: { with: 'a' } })
  }
  t.equal(seen.parsed.length, 1, 'parsed once')
  t.equal(seen.queries.size, 1, 'the handlers of the three requests read one checked query')
  const plain = await app.inject('/things')
  t.same(plain.json().query, { page: 1 }, 'defaults filled in')
  t.equal((await app.inject({ method: 'HEAD', url: '/things?page=2&cursor=true&with=a' })).statusCode, 200)
  t.equal(seen.parsed.length, 3, 'HEAD is its own route, with its own cache')
})

t.test('a refused query string is refused each time, as Fastify\'s own validation refuses it', async t => {
  const { app, seen } = await bare(t, true)
  const { app: plain } = await bare(t, false)
  const refused = ['page=0', 'page=abc', 'page=1.5', 'page=1001', 'total=some', 'cursor=maybe', 'with=',
    'page=0&total=some']
  for (const query of refused) {
    const expected = await plain.inject(`/things?${query}`)
    t.equal(expected.statusCode, 400, `${query}: Fastify refuses it`)
    for (let i = 0; i < 2; i++) {
      const res = await app.inject(`/things?${query}`)
      t.equal(res.statusCode, 400, query)
      t.equal(res.headers['content-type'], expected.headers['content-type'])
      t.same(withoutId(res.json()), withoutId(expected.json()), `${query}: the same problem`)
    }
  }
  t.equal(seen.parsed.length, 0, 'a refused query string is never parsed')
  const unknown = await app.inject('/things?size=5')
  t.equal(unknown.statusCode, 400)
  t.equal(unknown.json().detail, 'GET /things takes no query parameter \'size\'; it takes cursor, page, total, with')
  t.same(unknown.json().errors, [{ path: '/querystring/size', message: 'unknown parameter' }])
  const twice = await app.inject('/things?page=1&page=2')
  t.equal(twice.statusCode, 400)
  t.equal(twice.json().detail, 'query parameter \'page\' is given 2 times; give it once')
})

t.test('the path parameters are checked after the query string, as Fastify\'s own validation checks them', async t => {
  const { app } = await bare(t, true)
  const { app: plain } = await bare(t, false)
  const ok = await app.inject('/things/abc?page=2')
  t.equal(ok.statusCode, 200)
  t.same(ok.json(), { params: { id: 'abc' }, query: { page: 2 } })
  for (const id of ['a', 'abcde']) {
    const expected = await plain.inject(`/things/${id}`)
    t.equal(expected.statusCode, 400, `${id}: Fastify refuses it`)
    for (let i = 0; i < 2; i++) {
      const res = await app.inject(`/things/${id}${i === 0 ? '' : '?page=2'}`)
      t.equal(res.statusCode, 400, id)
      t.equal(res.headers['content-type'], expected.headers['content-type'])
      t.same(withoutId(res.json()), withoutId(expected.json()), `${id}: the same problem`)
    }
  }
  const both = await app.inject('/things/a?page=0')
  t.equal(both.statusCode, 400)
  t.same(both.json().errors, [{ path: '/querystring/page', message: 'must be >= 1' }], 'the query string first')
  const server = await build(t, { env: { DATABASE_URL: 'memory:' } })
  const empty = await server.inject({ method: 'DELETE', url: '/api/orders/' })
  t.equal(empty.statusCode, 400)
  t.same(empty.json().errors, [{ path: '/params/id', message: 'must NOT have fewer than 1 characters' }])
})

t.test('a read route with a preHandler hook stops start-up: its check would run after that hook', async t => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(queryParamsPlugin)
  app.register(async function routes (scope) {
    scope.get('/late', { schema: { querystring }, preHandler: (_request, _reply, done) => done() },
      async () => ({}))
  })
  await t.rejects(async () => { await app.ready() }, /GET \/late: a read route's request is checked in its handler, after any preHandler hook/)
})

/** A problem without its request id, which each instance counts on its own. */
function withoutId ({ requestId: _id, ...problem }: Record<string, unknown>): Record<string, unknown> {
  return problem
}

t.test('the identity links and parked writes lists check their query strings the same way', async t => {
  const sources = await build(t, { model: sourceModel, env: { DATABASE_URL: 'memory:' } })
  const parking = await build(t, { model: integrityModel, env: { DATABASE_URL: 'memory:' } })
  const refused: Array<[FastifyInstance, string, string, Array<{ path: string, message: string }>]> = [
    [sources, '/api/_links/customers?size=0', 'invalid querystring: /size must be >= 1',
      [{ path: '/querystring/size', message: 'must be >= 1' }]],
    [sources, '/api/_links/customers?source=nope', 'invalid querystring: /source must be one of crm, shop',
      [{ path: '/querystring/source', message: 'must be one of crm, shop' }]],
    [sources, '/api/_links/customers?sise=2', 'GET /api/_links/customers takes no query parameter \'sise\'; ' +
      'it takes id, page, size, source', [{ path: '/querystring/sise', message: 'unknown parameter' }]],
    [parking, '/api/_parked/order-items?page=abc', 'invalid querystring: /page must be integer',
      [{ path: '/querystring/page', message: 'must be integer' }]],
    [parking, '/api/_parked/order-items?size=2&size=3', 'query parameter \'size\' is given 2 times; give it once',
      [{ path: '/querystring/size', message: 'given more than once' }]]
  ]
  for (const [app, url, detail, errors] of refused) {
    for (let i = 0; i < 2; i++) {
      const res = await app.inject(url)
      t.equal(res.statusCode, 400, url)
      t.match(res.headers['content-type'], /^application\/problem\+json/, url)
      t.match(res.json(), { detail, errors }, url)
    }
  }
  for (let i = 0; i < 2; i++) {
    const links = await sources.inject('/api/_links/customers?size=5&page=2')
    t.equal(links.statusCode, 200)
    t.same(links.json(), [])
    t.equal(links.headers.link, '</api/_links/customers?size=5&page=1>; rel="prev"', 'page and size read as numbers')
    const parked = await parking.inject('/api/_parked/order-items')
    t.equal(parked.statusCode, 200)
    t.equal(parked.headers['x-total-count'], '0')
  }
})
