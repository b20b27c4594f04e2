// Response compression through the whole app: brotli or gzip as Accept-Encoding asks, tiny
// answers left alone, and NDJSON streams compressed and still flushed batch by batch.
import t, { type Test } from 'tap'
import { once } from 'node:events'
import { request, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Transform } from 'node:stream'
import type { RouteOptions } from 'fastify'
import { brotliDecompressSync, createBrotliDecompress, createGunzip, gunzipSync } from 'node:zlib'
import { COMPRESS_THRESHOLD } from '../../plugins/compression.js'
import { sampleOrders } from '../../src/sample/sample-data.js'
import { openStore } from '../../src/store/open-store.js'
import type { Store } from '../../src/store/store.js'
import { build } from '../helper.js'

const PAGE = '/api/orders?size=100&with=all'

t.test('a big page is compressed as Accept-Encoding asks, and decodes to the same answer', async t => {
  const app = await build(t, { env: { SEED: 'true' } })
  const plain = await app.inject(PAGE)
  t.equal(plain.statusCode, 200)
  t.notOk(plain.headers['content-encoding'], 'no Accept-Encoding: sent as it is')
  t.ok(plain.rawPayload.length > 50_000, `the page is big (${plain.rawPayload.length} bytes)`)
  const cases = [
    { accept: 'gzip', encoding: 'gzip', decode: gunzipSync },
    { accept: 'br', encoding: 'br', decode: brotliDecompressSync },
    { accept: 'gzip, deflate, br', encoding: 'br', decode: brotliDecompressSync },
    { accept: 'br;q=0.5, gzip', encoding: 'gzip', decode: gunzipSync }
  ]
  for (const { accept, encoding, decode } of cases) {
    const res = await app.inject({ url: PAGE, headers: { 'accept-encoding': accept } })
    t.equal(res.statusCode, 200)
    t.equal(res.headers['content-encoding'], encoding, `Accept-Encoding: ${accept}`)
    t.match(res.headers.vary, /accept-encoding/i, 'caches keep one copy per encoding')
    t.equal(res.headers['x-total-count'], plain.headers['x-total-count'])
    t.ok(res.rawPayload.length * 5 < plain.rawPayload.length,
      `${encoding}: ${plain.rawPayload.length} → ${res.rawPayload.length} bytes`)
    t.same(JSON.parse(decode(res.rawPayload).toString()), plain.json())
  }
  for (const accept of ['identity', 'deflate', 'compress']) {
    const res = await app.inject({ url: PAGE, headers: { 'accept-encoding': accept } })
    t.notOk(res.headers['content-encoding'], `Accept-Encoding: ${accept} gets the page as it is`)
    t.equal(res.body, plain.body)
  }
})

t.test(`answers under ${COMPRESS_THRESHOLD} bytes are left alone, problems included`, async t => {
  const app = await build(t, { env: { SEED: 'true' } })
  const headers = { 'accept-encoding': 'gzip, br' }
  const one = await app.inject({ url: '/api/orders/ord-1', headers })
  t.equal(one.statusCode, 200)
  t.ok(one.rawPayload.length < COMPRESS_THRESHOLD, `${one.rawPayload.length} bytes`)
  t.notOk(one.headers['content-encoding'])
  t.equal(one.json().id, 'ord-1')
  const missing = await app.inject({ url: '/api/orders/nope', headers })
  t.equal(missing.statusCode, 404)
  t.notOk(missing.headers['content-encoding'])
  t.match(missing.headers['content-type'], /application\/problem\+json/)
  t.match(missing.json(), { status: 404 })
})

/** Holds every store stream after its first batch until `release` is called. */
function gatedStore (store: Store, gate: Promise<void>): Store {
  return new Proxy(store, {
    get (target, property) {
      const value: unknown = Reflect.get(target, property)
      if (property !== 'stream') return typeof value === 'function' ? value.bind(target) : value
      return (entity: string, query: Parameters<Store['stream']>[1]) => (async function * gated () {
        let first = true
        for await (const batch of target.stream(entity, query)) {
          if (!first) await gate
          first = false
          yield batch
        }
      })()
    }
  })
}

for (const [encoding, decoder] of [['gzip', createGunzip], ['br', createBrotliDecompress]] as const) {
  t.test(`an NDJSON stream is compressed (${encoding}) and flushed batch by batch`,
    t => streamsBatches(t, encoding, decoder))
}

async function streamsBatches (t: Test, encoding: string, decoder: () => Transform): Promise<void> {
  let release = (): void => {}
  const gate = new Promise<void>(resolve => { release = resolve })
  const app = await build(t, {
    env: { STREAM_BATCH_SIZE: '20' },
    openStore: async (url, options) => gatedStore(await openStore(url, options), gate)
  })
  const { orders } = sampleOrders({ customers: 20, products: 40, orders: 200, itemsPerOrder: 0 })
  await app.relata.store.upsertMany('Order', orders)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/orders/stream`
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    request(url, { headers: { 'accept-encoding': encoding } }, resolve).on('error', reject).end()
  })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-encoding'], encoding)
  t.match(res.headers['content-type'], /application\/x-ndjson/)
  const decoded = decoder()
  res.pipe(decoded)
  let text = ''
  let firstBatch = (): void => {}
  const arrived = new Promise<void>(resolve => { firstBatch = resolve })
  decoded.setEncoding('utf8')
  decoded.on('data', (chunk: string) => {
    text += chunk
    if (text.split('\n').length > 20) firstBatch()
  })
  // the store holds the second batch back: the first must reach the client on its own
  const waited = await Promise.race([arrived.then(() => true), sleep(5000).then(() => false)])
  t.ok(waited, 'the first batch arrived while the store holds the rest back')
  t.equal(text.split('\n').length, 21, 'the first batch of 20 lines, decoded')
  t.equal(JSON.parse(text.split('\n')[0]!).id, orders.map(o => o.id).sort()[0])
  release()
  await once(decoded, 'end')
  const lines = text.split('\n')
  t.equal(lines.pop(), '', 'the stream ends with a complete line')
  t.equal(lines.length, 200, 'every order arrived')
}

function sleep (ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}

t.test('each route runs one compression hook, onSend, which leaves alone what it would not compress', async t => {
  let probe: RouteOptions | undefined
  const app = await build(t, {
    routes: async function probeRoutes (app) {
      // the embedding app's onRoute hooks run after Relata's: the route as it will serve
      app.addHook('onRoute', route => { if (route.url === '/probe' && route.method === 'GET') probe = route })
      app.get<{ Querystring: { text: string } }>('/probe', {
        schema: {
          querystring: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
          response: { 200: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } }
        }
      }, async function answer (request, reply) {
        return reply.type('application/json; charset=utf-8').send(JSON.stringify({ text: request.query.text }))
      })
    }
  })
  const names = (hooks: unknown) => (Array.isArray(hooks) ? hooks : hooks === undefined ? [] : [hooks])
    .map(hook => (hook as { name: string }).name)
  t.same(names(probe?.onRequest), [], 'no onRequest hook of the compression plugin (it set reply.compress)')
  t.same(names(probe?.onSend), ['compressLargeAnswers'])
  const gzip: Record<string, string> = { 'accept-encoding': 'gzip' }
  const cases: Array<{ text: string, headers: Record<string, string>, encoding: string | undefined }> = [
    // 600 characters that take 2 bytes each: over the threshold in bytes, not in characters
    { text: 'é'.repeat(600), headers: gzip, encoding: 'gzip' },
    { text: 'a'.repeat(2000), headers: gzip, encoding: 'gzip' },
    { text: 'a'.repeat(2000), headers: {}, encoding: undefined },
    { text: 'a'.repeat(900), headers: gzip, encoding: undefined },
    { text: 'é'.repeat(400), headers: gzip, encoding: undefined }
  ]
  for (const { text, headers, encoding } of cases) {
    const res = await app.inject({ url: `/probe?text=${encodeURIComponent(text)}`, headers })
    const label = `${Buffer.byteLength(text)} bytes of text, Accept-Encoding: ${headers['accept-encoding'] ?? 'none'}`
    t.equal(res.statusCode, 200, label)
    t.equal(res.headers['content-encoding'], encoding, label)
    t.equal(res.headers.vary, encoding === undefined ? undefined : 'accept-encoding', label)
    const body = encoding === undefined ? res.rawPayload : gunzipSync(res.rawPayload)
    t.same(JSON.parse(body.toString()), { text }, label)
    t.equal(Number(res.headers['content-length']), res.rawPayload.length, label)
  }
})
