// Security headers, CORS, the rate limit and load shedding, each answering problem+json.
import t from 'tap'
import { request } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { build } from '../helper.js'

/** Helmet's default headers: the set every answer carries. */
const HELMET = [
  'content-security-policy', 'cross-origin-opener-policy', 'cross-origin-resource-policy', 'origin-agent-cluster',
  'referrer-policy', 'strict-transport-security', 'x-content-type-options', 'x-dns-prefetch-control',
  'x-download-options', 'x-frame-options', 'x-permitted-cross-domain-policies', 'x-xss-protection'
]

interface Head {
  status: number
  /** Every value of each header name (lowercase), as the answer repeated it. */
  values: Map<string, string[]>
}

/** The status and the headers of an answer read off a socket, duplicates kept. */
function socketHead (base: string, method: string, path: string): Promise<Head> {
  return new Promise((resolve, reject) => {
    request(`${base}${path}`, { method }, res => {
      const values = new Map<string, string[]>()
      for (let i = 0; i < res.rawHeaders.length; i += 2) {
        const name = res.rawHeaders[i]!.toLowerCase()
        values.set(name, [...values.get(name) ?? [], res.rawHeaders[i + 1]!])
      }
      res.resume()
      res.once('end', () => resolve({ status: res.statusCode!, values }))
    }).on('error', reject).end()
  })
}

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

t.test('every security header once on every kind of answer, on a socket as through app.inject', async t => {
  const app = await build(t, { env: { SEED: 'true' } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const answers: Array<[method: string, path: string, status: number]> = [
    ['GET', '/api/orders/ord-1', 200],
    ['GET', '/api/orders?with=all&size=2', 200],
    ['GET', '/api/orders/stream', 200],
    ['HEAD', '/api/orders/ord-1', 200],
    ['DELETE', '/api/orders/ord-2', 204],
    ['GET', '/api/orders/nothing', 404],
    ['GET', '/api/nothing', 404],
    ['GET', '/api/orders?size=abc', 400],
    ['GET', '/health', 200],
    ['GET', '/docs/', 200]
  ]
  for (const [method, path, status] of answers) {
    const head = await socketHead(base, method, path)
    const injected = await app.inject({ method: method as 'GET', url: path })
    t.equal(head.status, status, `${method} ${path} on a socket`)
    t.equal(injected.statusCode, method === 'DELETE' ? 404 : status, `${method} ${path} through app.inject`)
    for (const name of HELMET) {
      t.same(head.values.get(name), [injected.headers[name]], `${method} ${path}: ${name} once, as app.inject has it`)
    }
  }
  const docs = await socketHead(base, 'GET', '/docs/')
  t.match(docs.values.get('content-security-policy')?.[0], /validator\.swagger\.io/, "Swagger UI's own CSP")
  // errors Fastify answers before routing (a malformed URL, an id past maxParamLength) run no hook
  for (const [path, status] of [['/api/orders/%E0%A4%A', 400], [`/api/orders/${'x'.repeat(300)}`, 414]] as const) {
    const head = await socketHead(base, 'GET', path)
    t.equal(head.status, status, path.slice(0, 30))
    for (const name of HELMET) t.equal(head.values.get(name)?.length, 1, `${path.slice(0, 30)}: ${name} once`)
  }
  // Node answers a request without Host itself, passing its headers as an array
  const socket = connect((app.server.address() as AddressInfo).port, '127.0.0.1')
  socket.end('GET /health HTTP/1.1\r\n\r\n')
  let raw = ''
  for await (const chunk of socket) raw += String(chunk)
  t.match(raw, /^HTTP\/1\.1 400 /, 'no Host: 400')
  for (const name of HELMET) t.equal(raw.split(`\r\n${name}: `).length, 2, `no Host: ${name} once`)
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
