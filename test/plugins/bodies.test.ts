// Request bodies: a refused key is named, and each write route takes only its own media types,
// saying which it takes and where another body goes.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { build } from '../helper.js'

type Method = 'POST' | 'PUT' | 'PATCH'

function send (app: FastifyInstance, method: Method, url: string, type: string | undefined, payload: string) {
  return app.inject({ method, url, payload, headers: type === undefined ? {} : { 'content-type': type } })
}

t.test('a key that could reach Object.prototype is refused by name', async t => {
  const app = await build(t, { env: { SEED: 'true' } })
  const cases: Array<[string, string]> = [
    ['{"name":"x","email":"x@example.com","__proto__":{"polluted":true}}', '/__proto__'],
    ['{"name":"x","constructor":{"prototype":{"polluted":true}}}', '/constructor/prototype'],
    ['[{"name":"a"},{"name":"b","address":{"__proto__":{"admin":true}}}]', '/1/address/__proto__'],
    ['{"\\u005f_proto__":{"polluted":true}}', '/__proto__']
  ]
  for (const [body, path] of cases) {
    const res = await send(app, 'POST', '/api/customers', 'application/json', body)
    t.equal(res.statusCode, 400, body)
    t.match(res.json(), {
      type: 'urn:relata:problem:invalid-json',
      detail: `the body holds the key ${path}, which is refused because it could reach Object.prototype; ` +
        'rename or remove it',
      errors: [{ path, message: 'refused key' }]
    }, body)
  }
  const patch = await send(app, 'PATCH', '/api/customers/cust-1', 'application/merge-patch+json',
    '{"__proto__":{"x":1}}')
  t.match(patch.json(), { status: 400, detail: /the body holds the key \/__proto__/ }, 'a merge patch too')
  const plain = await send(app, 'POST', '/api/customers', 'application/json',
    '{"name":"x","email":"x@example.com","constructor":"a"}')
  t.not(plain.json().type, 'urn:relata:problem:invalid-json',
    'a constructor key without prototype is data, left to the schema')
  const broken = await send(app, 'POST', '/api/customers', 'application/json', '{"name":')
  t.match(broken.json(), { type: 'urn:relata:problem:invalid-json', detail: /^the body is not valid JSON: / })
  const empty = await send(app, 'POST', '/api/customers', 'application/json', '')
  t.match(empty.json(), { type: 'urn:relata:problem:invalid-json', detail: 'the body is empty; send a JSON document' })
  t.equal(({} as Record<string, unknown>).polluted, undefined)
  t.equal((await app.inject('/api/customers/cust-1')).json().name, 'Customer 1', 'nothing was written')
})

t.test('each write route takes its own media types and says which', async t => {
  const app = await build(t, { env: { SEED: 'true' } })
  const doc = '{"name":"x","email":"x@example.com"}'
  const cases: Array<[string, Method, string, string | undefined, string]> = [
    ['JSON sent as text/plain', 'POST', '/api/customers', 'text/plain',
      'POST /api/customers takes application/json, not Content-Type text/plain'],
    ['NDJSON posted to the collection', 'POST', '/api/customers', 'application/x-ndjson',
      'POST /api/customers takes application/json, not Content-Type application/x-ndjson; ' +
      'to load NDJSON lines, POST them to /api/customers/import'],
    ['a merge patch posted', 'POST', '/api/customers', 'application/merge-patch+json',
      'POST /api/customers takes application/json, not Content-Type application/merge-patch+json; ' +
      'only PATCH /api/customers/{id} takes a merge patch'],
    ['a merge patch put', 'PUT', '/api/customers/cust-1', 'application/merge-patch+json',
      'PUT /api/customers/:id takes application/json, not Content-Type application/merge-patch+json; ' +
      'a merge patch goes to PATCH /api/customers/{id}'],
    ['a body without Content-Type', 'POST', '/api/customers', undefined,
      'POST /api/customers takes application/json, not a body without Content-Type'],
    ['XML patched', 'PATCH', '/api/customers/cust-1', 'application/xml',
      'PATCH /api/customers/:id takes application/json or application/merge-patch+json, ' +
      'not Content-Type application/xml'],
    ['JSON sent to the import', 'POST', '/api/customers/import', 'application/json',
      'POST /api/customers/import takes application/x-ndjson, not Content-Type application/json; ' +
      'to write JSON documents, POST them to /api/customers']
  ]
  for (const [name, method, url, type, detail] of cases) {
    const res = await send(app, method, url, type, doc)
    t.equal(res.statusCode, 415, name)
    t.match(res.headers['content-type'], /^application\/problem\+json/, name)
    const problemType = 'urn:relata:problem:unsupported-media-type'
    t.match(res.json(), { type: problemType, title: 'Unsupported media type', detail }, name)
  }
  t.equal((await app.inject('/api/customers?filter={"name":"x"}')).headers['x-total-count'], '0', 'nothing was written')
  const patched = await send(app, 'PATCH', '/api/customers/cust-1', 'application/merge-patch+json', '{"city":null}')
  t.equal(patched.statusCode, 200, 'PATCH takes a merge patch')
  t.equal(patched.json().city, undefined)
  const charset = await send(app, 'POST', '/api/customers', 'Application/JSON; charset=utf-8', doc)
  t.equal(charset.statusCode, 201, 'parameters and case of the media type do not matter')
})
