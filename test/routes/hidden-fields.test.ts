// Hidden properties ("x-internal": true or "writeOnly": true) are validated and stored, but no
// response shows them: not single GETs, lists, streams, graph parents and children, nor write
// answers; filters and sorts cannot name them, and the OpenAPI response schemas leave them out.
import t, { type Test } from 'tap'
import { Type } from 'typebox'
import { defineModel, Parent } from '../../src/model/model.js'
import { build } from '../helper.js'

const SECRET = 'hunter2-hash'
const Str = Type.String({ minLength: 1 })

const model = defineModel({
  entities: {
    Customer: {
      schema: Type.Object({
        id: Str,
        name: Str,
        passwordHash: Type.String({ minLength: 1, 'x-internal': true, description: 'Never shown' })
      })
    },
    Order: {
      schema: Type.Object({
        id: Str,
        customerId: Parent('Customer', Str),
        note: Type.Optional(Type.String({ writeOnly: true }))
      })
    },
    OrderItem: {
      schema: Type.Object({ id: Str, orderId: Parent('Order', Str), cost: Type.Number({ 'x-internal': true }) })
    }
  }
})

function assertNoSecret (t: Test, body: string, where: string): void {
  t.notMatch(body, /passwordHash|hunter2|"note"|secret-note|"cost"|31337/, `${where}: no hidden property`)
}

t.test('hidden properties never leave the server', async t => {
  const app = await build(t, { model })
  const created = await app.inject({
    method: 'POST',
    url: '/api/customers',
    payload: { id: 'c1', name: 'Ann', passwordHash: SECRET }
  })
  t.equal(created.statusCode, 201)
  t.same(created.json(), { id: 'c1', name: 'Ann' }, 'the write answer hides it')
  const orders = await app.inject({
    method: 'POST',
    url: '/api/orders',
    payload: [
      { id: 'o1', customerId: 'c1', note: 'secret-note' },
      { id: 'o2', customerId: 'c1' }
    ]
  })
  assertNoSecret(t, orders.body, 'bulk write')
  await app.inject({
    method: 'POST',
    url: '/api/order-items',
    payload: [
      { id: 'i1', orderId: 'o1', cost: 31337 },
      { id: 'i2', orderId: 'o1', cost: 31337 }
    ]
  })

  t.same((await app.relata.store.get('Customer', 'c1'))?.passwordHash, SECRET, 'but it is stored')
  for (const url of [
    '/api/customers/c1', '/api/customers', '/api/customers/stream',
    '/api/customers/c1?with=all', '/api/customers?with=all', '/api/customers/stream?with=all',
    '/api/orders/o1?with=all', '/api/orders?with=all', '/api/orders/stream?with=all',
    '/api/order-items/i1?with=all', '/api/order-items?with=all', '/api/order-items/stream?with=all'
  ]) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 200, url)
    assertNoSecret(t, res.body, url)
  }
  const graph = (await app.inject('/api/order-items/i1?with=all')).json()
  t.same(graph.parents.orderId, { id: 'o1', customerId: 'c1' }, 'a parent shows its visible properties')
  t.same((await app.inject('/api/orders/o1?with=all')).json().children.OrderItem.orderId, [
    { id: 'i1', orderId: 'o1' },
    { id: 'i2', orderId: 'o1' }
  ])

  const replaced = await app.inject({
    method: 'PUT',
    url: '/api/customers/c1',
    payload: { name: 'Ann B', passwordHash: SECRET }
  })
  t.same(replaced.json(), { id: 'c1', name: 'Ann B' })
  const patched = await app.inject({ method: 'PATCH', url: '/api/customers/c1', payload: { name: 'Ann C' } })
  t.same(patched.json(), { id: 'c1', name: 'Ann C' })
  t.equal((await app.relata.store.get('Customer', 'c1'))?.passwordHash, SECRET, 'a patch keeps the hidden value')
  const invalid = await app.inject({ method: 'POST', url: '/api/customers', payload: { id: 'c2', name: 'Bo' } })
  t.equal(invalid.statusCode, 400, 'hidden properties are still validated (required)')
})

t.test('filters and sorts cannot name a hidden property', async t => {
  const app = await build(t, { model })
  for (const url of [
    `/api/customers?filter=${encodeURIComponent(JSON.stringify({ passwordHash: SECRET }))}`,
    '/api/customers/stream?filter=' +
      `${encodeURIComponent(JSON.stringify({ $or: [{ name: 'x' }, { passwordHash: { $gte: 'a' } }] }))}`,
    '/api/customers?sort=passwordHash',
    '/api/order-items?sort=-cost'
  ]) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 400, url)
    t.match(res.json().detail, /unknown property/)
  }
})

t.test('OpenAPI response schemas leave hidden properties out; input schemas keep them', async t => {
  const app = await build(t, { model })
  const spec = (await app.inject('/openapi.json')).json()
  const schemas = spec.components.schemas
  t.notOk('passwordHash' in schemas.Customer.properties)
  t.notOk(schemas.Customer.required.includes('passwordHash'))
  t.ok('passwordHash' in schemas.CustomerInput.properties)
  t.notOk('note' in schemas.Order.properties)
  t.notOk('cost' in schemas.OrderItem.properties)
  t.notMatch(JSON.stringify(spec.paths['/api/customers/{id}'].get.parameters), /passwordHash/)
})

t.test('an id or a reference cannot be hidden', async t => {
  await t.rejects(
    build(t, { model: { entities: { A: { schema: Type.Object({ id: Type.String({ 'x-internal': true }) }) } } } }),
    /'id' cannot be hidden/
  )
  await t.rejects(
    build(t, {
      model: {
        entities: {
          A: { schema: Type.Object({ id: Str }) },
          B: { schema: Type.Object({ id: Str, aId: Parent('A', Type.String({ writeOnly: true })) }) }
        }
      }
    }),
    /'aId' is a reference and cannot be hidden/
  )
})

t.test('fields cannot select a hidden property', async t => {
  const app = await build(t, { model })
  await app.inject({ method: 'POST', url: '/api/customers', payload: { id: 'c1', name: 'Ann', passwordHash: SECRET } })
  await app.inject({ method: 'POST', url: '/api/orders', payload: { id: 'o1', customerId: 'c1', note: 'secret-note' } })
  const own = await app.inject('/api/customers/c1?fields=passwordHash')
  t.equal(own.statusCode, 400)
  t.equal(own.json().detail, "unknown Customer property 'passwordHash' in fields; Customer has id, name")
  const parent = await app.inject('/api/orders/o1?with=customerId&fields[customerId]=name,passwordHash')
  t.equal(parent.json().detail, "unknown Customer property 'passwordHash' in fields[customerId]; Customer has id, name")
  const fine = await app.inject('/api/orders/o1?with=customerId&fields=customerId&fields[customerId]=name')
  t.same(fine.json(), {
    entity: { id: 'o1', customerId: 'c1' },
    parents: { customerId: { id: 'c1', name: 'Ann' } },
    children: {}
  })
  assertNoSecret(t, fine.body, 'trimmed graph')
})
