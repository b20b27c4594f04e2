// API keys: off by default; with keys, 401 without a valid key, 403 for writes with a read key
// and for entities outside a key's list; /health stays public; keys never reach the logs.
import t from 'tap'
import Fastify from 'fastify'
import { Writable } from 'node:stream'
import authPlugin from '../../plugins/auth.js'
import problemsPlugin from '../../plugins/problems.js'
import { buildMetadata } from '../../src/relata.js'
import { sampleModel } from '../../src/sample/sample-model.js'
import { build } from '../helper.js'

const READ = 'read-key-0123456789abcdef'
const WRITE = 'write-key-0123456789abcdef'
const ORDERS = 'orders-key-0123456789abcdef'
const API_KEYS = `${READ}:read,${WRITE}:write,${ORDERS}:write:Order+OrderItem`
const customer = { id: 'c1', name: 'Ann', email: 'ann@example.com' }

t.test('without keys configured, everything is open', async t => {
  const app = await build(t)
  t.equal((await app.inject('/api/customers')).statusCode, 200)
  t.equal((await app.inject({ method: 'POST', url: '/api/customers', payload: customer })).statusCode, 201)
  const spec = (await app.inject('/openapi.json')).json()
  t.ok(spec.components.securitySchemes.apiKey, 'the scheme is declared')
  t.same(spec.security, [], 'but not required')
})

t.test('with keys: 401, 403 and the scopes', async t => {
  const app = await build(t, { env: { API_KEYS } })
  const missing = await app.inject('/api/customers')
  t.equal(missing.statusCode, 401)
  t.match(missing.headers['content-type'], /^application\/problem\+json/)
  t.match(missing.headers['www-authenticate'], /^Bearer realm="relata"/)
  t.equal(
    (await app.inject({ url: '/api/customers', headers: { 'x-api-key': 'wrong-key-0123456789abcdef' } })).statusCode,
    401
  )
  t.equal(
    (await app.inject({ url: '/api/customers', headers: { 'x-api-key': READ.slice(0, -1) } })).statusCode,
    401,
    'a prefix is not the key'
  )
  t.equal((await app.inject({ url: '/api/customers', headers: { authorization: 'Basic abc' } })).statusCode, 401)

  t.equal(
    (await app.inject({ url: '/api/customers', headers: { 'x-api-key': READ } })).statusCode,
    200,
    'read key reads'
  )
  t.equal(
    (await app.inject({ url: '/api/customers?with=all', headers: { authorization: `Bearer ${READ}` } })).statusCode,
    200,
    'as a bearer token too'
  )
  const denied = await app.inject({
    method: 'POST',
    url: '/api/customers',
    payload: customer,
    headers: { 'x-api-key': READ }
  })
  t.equal(denied.statusCode, 403, 'read key cannot write')
  t.match(denied.json().detail, /scope write/)
  t.equal((await app.relata.store.find('Customer', { page: 1, size: 10 })).total, 0, 'nothing was written')
  t.equal(
    (await app.inject({ method: 'POST', url: '/api/customers', payload: customer, headers: { 'x-api-key': WRITE } }))
      .statusCode,
    201,
    'write key writes'
  )
  t.equal(
    (await app.inject({ method: 'DELETE', url: '/api/customers/c1', headers: { 'x-api-key': WRITE } })).statusCode,
    204
  )

  const order = { id: 'o1', customerId: 'c1', status: 'open', total: 1, createdAt: '2026-01-01T00:00:00Z' }
  t.equal(
    (await app.inject({ method: 'POST', url: '/api/orders', payload: order, headers: { 'x-api-key': ORDERS } }))
      .statusCode,
    201,
    'entity key reaches its entities'
  )
  t.equal((await app.inject({ url: '/api/orders/o1?with=all', headers: { 'x-api-key': ORDERS } })).statusCode, 200)
  const other = await app.inject({ url: '/api/customers', headers: { 'x-api-key': ORDERS } })
  t.equal(other.statusCode, 403, 'but no other entity')
  t.match(other.json().detail, /Order, OrderItem/)
  t.equal(
    (await app.inject({ url: '/metrics', headers: { 'x-api-key': ORDERS } })).statusCode,
    403,
    'nor non-entity routes'
  )
  t.equal((await app.inject({ url: '/metrics' })).statusCode, 401, '/metrics needs a key')
  t.equal((await app.inject({ url: '/metrics', headers: { 'x-api-key': READ } })).statusCode, 200)

  t.equal((await app.inject('/health')).statusCode, 200, '/health stays public')
  t.equal((await app.inject('/openapi.json')).statusCode, 200, 'so does the API description')
  const spec = (await app.inject('/openapi.json')).json()
  t.same(spec.security, [{ apiKey: [] }, { bearer: [] }], 'and it declares the key as required')
  t.same(spec.paths['/health'].get.security, [])
})

t.test('a key list naming an unknown entity stops start-up, naming API_KEYS', async t => {
  await t.rejects(build(t, { env: { API_KEYS: `${READ}:read:Invoice` } }), /API_KEYS entry 1: unknown entity 'Invoice'/)
})

t.test('keys never reach the logs', async t => {
  let logs = ''
  const stream = new Writable({ write (chunk, _encoding, done) { logs += String(chunk); done() } })
  const app = await build(t, { env: { API_KEYS }, logger: { level: 'trace', stream } })
  await app.inject({ url: '/api/customers', headers: { 'x-api-key': READ } })
  await app.inject({ url: '/api/customers', headers: { authorization: `Bearer ${WRITE}` } })
  await app.inject({ method: 'POST', url: '/api/customers', payload: customer, headers: { 'x-api-key': READ } })
  await app.inject({ url: '/api/customers', headers: { 'x-api-key': 'wrong-key-0123456789abcdef' } })
  // a careless log line with the headers is redacted too
  app.log.info({ headers: { authorization: `Bearer ${WRITE}`, 'x-api-key': READ } }, 'headers')
  t.ok(logs.length > 0, 'something was logged')
  t.notMatch(logs, /0123456789abcdef/, 'no key in the logs')
  t.match(logs, /\[Redacted\]/)
})

t.test('the plugin alone, on a bare Fastify instance', async t => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(problemsPlugin)
  await app.register(authPlugin, { apiKeys: `${READ}:read`, metadata: buildMetadata(sampleModel) })
  app.get('/api/customers', async () => [])
  app.options('/api/customers', async () => '')
  t.equal((await app.inject('/api/customers')).statusCode, 401)
  t.equal((await app.inject({ url: '/api/customers', headers: { 'x-api-key': READ } })).statusCode, 200)
  t.equal((await app.inject({ url: '/docs/static/index.html' })).statusCode, 404, '/docs is public (and absent here)')
})
