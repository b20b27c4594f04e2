// Security headers, CORS, the rate limit and load shedding, each answering problem+json.
import t from 'tap'
import { build } from '../helper.js'

t.test('security headers on every answer', async t => {
  const app = await build(t)
  for (const url of ['/api/customers', '/api/nothing', '/health']) {
    const res = await app.inject(url)
    t.equal(res.headers['x-content-type-options'], 'nosniff', url)
    t.ok(res.headers['content-security-policy'], url)
    t.equal(res.headers['x-frame-options'], 'SAMEORIGIN', url)
  }
  t.equal(
    (await app.inject('/api/customers')).headers['access-control-allow-origin'],
    undefined,
    'no CORS unless configured'
  )
  t.equal((await app.inject('/docs/')).statusCode, 200, 'Swagger UI still loads')
})

t.test('CORS for configured origins', async t => {
  const app = await build(t, { env: { CORS_ORIGIN: 'https://app.example.com' } })
  const allowed = await app.inject({ url: '/api/customers', headers: { origin: 'https://app.example.com' } })
  t.equal(allowed.headers['access-control-allow-origin'], 'https://app.example.com')
  t.match(allowed.headers['access-control-expose-headers'], /x-total-count/)
  const other = await app.inject({ url: '/api/customers', headers: { origin: 'https://evil.example.com' } })
  t.equal(other.headers['access-control-allow-origin'], undefined)
  const preflight = await app.inject({
    method: 'OPTIONS',
    url: '/api/customers',
    headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' }
  })
  t.equal(preflight.statusCode, 204)
  t.match(preflight.headers['access-control-allow-methods'], /PATCH/)
})

t.test('CORS preflights need no API key; answers without one are 401 with CORS headers', async t => {
  const app = await build(t, {
    env: { CORS_ORIGIN: 'https://app.example.com', API_KEYS: 'read-key-0123456789abcdef:read' }
  })
  const preflight = await app.inject({
    method: 'OPTIONS',
    url: '/api/customers',
    headers: {
      origin: 'https://app.example.com',
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'x-api-key'
    }
  })
  t.equal(preflight.statusCode, 204)
  t.equal(preflight.headers['access-control-allow-headers'], 'x-api-key')
  const denied = await app.inject({ url: '/api/customers', headers: { origin: 'https://app.example.com' } })
  t.equal(denied.statusCode, 401)
  t.equal(denied.headers['access-control-allow-origin'], 'https://app.example.com', 'the browser can read the 401')
})

t.test('rate limit: 429 problem+json past the limit, /health exempt', async t => {
  const app = await build(t, { env: { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' } })
  for (let i = 0; i < 3; i++) t.equal((await app.inject('/api/customers')).statusCode, 200)
  const limited = await app.inject('/api/customers')
  t.equal(limited.statusCode, 429)
  t.match(limited.headers['content-type'], /^application\/problem\+json/)
  t.match(limited.json(), { type: 'urn:relata:problem:rate-limited', title: 'Too many requests' })
  t.ok(Number(limited.headers['retry-after']) > 0)
  for (let i = 0; i < 5; i++) t.equal((await app.inject('/health')).statusCode, 200)
})

t.test('under pressure: 503 problem+json with Retry-After instead of falling over', async t => {
  const app = await build(t, { env: { PRESSURE_MAX_HEAP_MB: '1' } })
  // under-pressure samples memory once a second
  await new Promise(resolve => setTimeout(resolve, 1100))
  const res = await app.inject('/api/customers')
  t.equal(res.statusCode, 503)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.equal(res.json().type, 'urn:relata:problem:overloaded')
  t.ok(Number(res.headers['retry-after']) > 0)
})
