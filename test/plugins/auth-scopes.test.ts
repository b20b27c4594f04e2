// Entity-limited keys beyond the entity routes' reads: /api/_model shows only the key's
// entities and the relationships between them; /api/_parked/<route> follows its entity; a write
// whose reject or park check reads a parent outside the key's entities is refused before it runs.
import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import authPlugin from '../../plugins/auth.js'
import problemsPlugin from '../../plugins/problems.js'
import { buildMetadata } from '../../src/relata.js'
import { sampleModel } from '../../src/sample/sample-model.js'
import { build } from '../helper.js'
import { integrityModel } from '../integrity-model.js'

const READ = 'read-key-0123456789abcdef'
const ORDERS = 'orders-key-0123456789abcdef'
const SALES = 'sales-key-0123456789abcdef'
const ITEMS = 'items-key-0123456789abcdef'
const API_KEYS = [
  `${READ}:read`, `${ORDERS}:write:Order+OrderItem`,
  `${SALES}:write:Customer+Order+OrderItem`, `${ITEMS}:write:OrderItem`
].join(',')
const headers = (key: string) => ({ 'x-api-key': key })
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
const send = (app: FastifyInstance, method: Method, url: string, key: string, payload?: object) =>
  app.inject({ method, url, headers: headers(key), ...(payload === undefined ? {} : { payload }) })

t.test('/api/_model shows a limited key its entities and the relationships between them', async t => {
  const app = await build(t, { env: { API_KEYS } })
  const every = (await send(app, 'GET', '/api/_model', READ)).json()
  t.same(every.entities.map((e: { name: string }) => e.name), ['Category', 'Customer', 'Product', 'Order', 'OrderItem'])
  const res = await send(app, 'GET', '/api/_model', ORDERS)
  t.equal(res.statusCode, 200)
  const { entities } = res.json()
  t.same(entities.map((e: { name: string }) => e.name), ['Order', 'OrderItem'])
  const [order, item] = entities
  t.same(order.parents, [], 'customerId leads to Customer, outside the key')
  t.same(order.children, [{ child: 'OrderItem', property: 'orderId', key: 'OrderItem.orderId' }])
  t.same(item.parents, [{ property: 'orderId', target: 'Order' }], 'productId leads to Product, outside the key')
  t.same(order.properties, every.entities[3].properties, 'properties are the whole entity\'s')
  t.equal((await app.inject('/api/_model')).statusCode, 401, 'still needs a key')
})

t.test('writes whose integrity check reads a parent outside the key are refused, naming it', async t => {
  const app = await build(t, { model: integrityModel, env: { API_KEYS } })
  const order = { id: 'o1', customerId: 'c1', total: 1 }
  const refused = await send(app, 'POST', '/api/orders', ORDERS, order)
  t.equal(refused.statusCode, 403)
  t.match(refused.headers['content-type'], /^application\/problem\+json/)
  t.match(refused.json(), {
    type: 'urn:relata:problem:forbidden',
    detail: 'writing Order (customerId checks that its parent exists) reaches Customer, ' +
      'and this API key is limited to Order, OrderItem',
    errors: [{ path: '/customerId' }]
  })
  for (const method of ['PUT', 'PATCH'] as const) {
    t.equal((await send(app, method, '/api/orders/o1', ORDERS, order)).statusCode, 403, `${method} too`)
  }
  const imported = await app.inject({
    method: 'POST',
    url: '/api/orders/import',
    payload: JSON.stringify(order),
    headers: { ...headers(ORDERS), 'content-type': 'application/x-ndjson' }
  })
  t.equal(imported.statusCode, 403, 'and an import, whose answer would tell which customers exist')
  t.equal((await app.relata.store.find('Order', { page: 1, size: 10 })).total, 0, 'nothing was written')

  t.equal((await send(app, 'POST', '/api/orders', SALES, order)).statusCode, 422, 'Customer in the key')
  t.equal((await send(app, 'POST', '/api/customers', SALES, { id: 'c1', name: 'Ann' })).statusCode, 201)
  t.equal((await send(app, 'POST', '/api/orders', SALES, order)).statusCode, 201)
  const item = { id: 'i1', orderId: 'o2', productId: 'p1', quantity: 1 }
  const parked = await send(app, 'POST', '/api/order-items', ITEMS, item)
  t.equal(parked.statusCode, 403, 'parking checks the parent too')
  t.match(parked.json().detail, /reaches Order, and this API key is limited to OrderItem$/)
  t.equal((await send(app, 'POST', '/api/order-items', ORDERS, item)).statusCode, 202, 'parked')
  t.equal((await send(app, 'DELETE', '/api/orders/o1', ORDERS)).statusCode, 204, 'a delete reads no parent')
})

t.test('/api/_parked/<route> follows its entity', async t => {
  const app = await build(t, { model: integrityModel, env: { API_KEYS } })
  const item = { id: 'i1', orderId: 'o9', productId: 'p1', quantity: 1 }
  t.equal((await send(app, 'POST', '/api/order-items', ORDERS, item)).statusCode, 202)
  const listed = await send(app, 'GET', '/api/_parked/order-items', ITEMS)
  t.equal(listed.statusCode, 200)
  const missing = [{ property: 'orderId', target: 'Order', id: 'o9' }]
  t.match(listed.json(), [{ id: 'i1', doc: { id: 'i1', orderId: 'o9' }, missing }])
  t.equal((await send(app, 'GET', '/api/_parked/order-items/i1', ITEMS)).statusCode, 200, 'by id too')
  const denied = await send(app, 'GET', '/api/_parked/categories', ITEMS)
  t.equal(denied.statusCode, 403)
  t.equal(denied.json().detail, '/api/_parked/categories reaches Category, and this API key is limited to OrderItem')
  t.equal((await send(app, 'GET', '/api/_parked/nothing', ITEMS)).statusCode, 403, 'no entity: refused')
})

t.test('the plugin alone puts the key\'s entity scope on the request', async t => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(problemsPlugin)
  const metadata = buildMetadata(sampleModel)
  await app.register(authPlugin, { apiKeys: `${READ}:read,${ORDERS}:read:OrderItem+Order`, metadata })
  app.get('/api/orders', async request => ({ names: request.entityScope.names ?? null }))
  t.same((await send(app, 'GET', '/api/orders', ORDERS)).json(), { names: ['Order', 'OrderItem'] })
  t.same((await send(app, 'GET', '/api/orders', READ)).json(), { names: null })
  const open = Fastify()
  t.teardown(() => open.close())
  await open.register(problemsPlugin)
  await open.register(authPlugin, { apiKeys: undefined, metadata })
  open.get('/api/orders', async request => ({ limited: request.entityScope.limited }))
  t.same((await open.inject('/api/orders')).json(), { limited: false }, 'without keys, every entity')
})
