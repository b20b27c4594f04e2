// Every input limit answers a clear 4xx problem, and no body or filter can reach a prototype.
import t from 'tap'
import type { InjectOptions } from 'fastify'
import { build } from '../helper.js'

const customer = (i: number) => ({ id: `c${i}`, name: `C${i}`, email: `c${i}@example.com` })
const q = (value: unknown) => encodeURIComponent(JSON.stringify(value))

t.test('each limit has a clear 4xx', async t => {
  const app = await build(t, { env: { BODY_LIMIT: '2048', MAX_BULK: '10' } })
  const cases: Array<[string, InjectOptions, number, RegExp]> = [
    [
      'body size',
      { method: 'POST', url: '/api/customers', payload: { ...customer(1), name: 'x'.repeat(3000) } },
      413,
      /body/i
    ],
    [
      'bulk item count',
      { method: 'POST', url: '/api/customers', payload: Array.from({ length: 11 }, (_, i) => customer(i)) },
      400,
      /at most 10 documents/
    ],
    ['page size', { url: '/api/customers?size=1001' }, 400, /size/],
    ['page number', { url: '/api/customers?page=0' }, 400, /page/],
    ['with length', { url: `/api/orders?with=${'customerId,'.repeat(200)}` }, 400, /with/],
    [
      'filter depth',
      {
        url: '/api/orders?filter=' +
          `${q({ $and: [{ $and: [{ $and: [{ $and: [{ $and: [{ $and: [{ $and: [{ total: 1 }] }] }] }] }] }] }] })}`
      },
      400,
      /nested deeper than 6/
    ],
    [
      'filter size',
      { url: `/api/orders?filter=${q({ $or: Array.from({ length: 65 }, (_, i) => ({ total: i })) })}` },
      400,
      /more than 64 conditions/
    ],
    ['filter length', { url: `/api/orders?filter=${q({ status: 'x'.repeat(9000) })}` }, 400, /filter/],
    [
      '$in values',
      { url: `/api/orders?filter=${q({ total: { $in: Array.from({ length: 1001 }, (_, i) => i) } })}` },
      400,
      /at most 1000 values/
    ],
    ['sort keys', { url: `/api/orders?sort=${'total,'.repeat(9)}` }, 400, /at most 8/],
    ['id length', { url: `/api/orders/${'x'.repeat(300)}` }, 414, /max param length/]
  ]
  for (const [name, request, status, detail] of cases) {
    const res = await app.inject(request)
    t.equal(res.statusCode, status, name)
    t.match(res.headers['content-type'], /^application\/problem\+json/, name)
    t.match(res.json().detail, detail, name)
  }
  t.equal((await app.relata.store.find('Customer', { page: 1, size: 1 })).total, 0, 'nothing was written')
})

t.test('prototype pollution through bodies and filters is impossible', async t => {
  const app = await build(t, { env: { SEED: 'true' } })
  const attempts: Array<[string, InjectOptions]> = [
    [
      'POST __proto__',
      {
        method: 'POST',
        url: '/api/customers',
        headers: { 'content-type': 'application/json' },
        payload: '{"name":"x","email":"x@example.com","__proto__":{"polluted":true}}'
      }
    ],
    [
      'POST constructor.prototype',
      {
        method: 'POST',
        url: '/api/customers',
        headers: { 'content-type': 'application/json' },
        payload: '{"name":"x","email":"x@example.com","constructor":{"prototype":{"polluted":true}}}'
      }
    ],
    [
      'bulk __proto__',
      {
        method: 'POST',
        url: '/api/customers',
        headers: { 'content-type': 'application/json' },
        payload: '[{"__proto__":{"polluted":true}}]'
      }
    ],
    [
      'PUT __proto__',
      {
        method: 'PUT',
        url: '/api/customers/cust-1',
        headers: { 'content-type': 'application/json' },
        payload: '{"name":"x","email":"x@example.com","__proto__":{"polluted":true}}'
      }
    ],
    [
      'merge patch __proto__',
      {
        method: 'PATCH',
        url: '/api/customers/cust-1',
        headers: { 'content-type': 'application/merge-patch+json' },
        payload: '{"__proto__":{"polluted":true}}'
      }
    ],
    ['filter __proto__', { url: `/api/customers?filter=${encodeURIComponent('{"__proto__":{"polluted":true}}')}` }],
    ['filter constructor', { url: `/api/customers?filter=${q({ constructor: { prototype: { polluted: true } } })}` }],
    [
      'filter operator',
      { url: `/api/customers?filter=${encodeURIComponent('{"name":{"__proto__":{"polluted":true}}}')}` }
    ],
    ['sort __proto__', { url: '/api/customers?sort=__proto__' }],
    ['with __proto__', { url: '/api/customers?with=__proto__,constructor' }]
  ]
  for (const [name, request] of attempts) {
    const res = await app.inject(request)
    t.equal(res.statusCode, 400, name)
    t.match(res.headers['content-type'], /^application\/problem\+json/, name)
  }
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype is clean')
  t.same(
    await app.relata.store.get('Customer', 'cust-1'),
    { id: 'cust-1', name: 'Customer 1', email: 'customer1@example.com', city: 'Lisbon' },
    'cust-1 is unchanged'
  )
})
