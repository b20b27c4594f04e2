import t from 'tap'
import { build } from '../helper.js'

t.test('GET /api/_model describes entities, relationships and routes', async t => {
  const app = await build(t)
  const res = await app.inject('/api/_model')
  t.equal(res.statusCode, 200)
  const { entities } = res.json()
  t.same(entities.map((e: { name: string }) => e.name), ['Category', 'Customer', 'Product', 'Order', 'OrderItem'])
  t.same(
    entities.find((e: { name: string }) => e.name === 'OrderItem'),
    {
      name: 'OrderItem',
      route: 'order-items',
      properties: ['id', 'orderId', 'productId', 'quantity', 'unitPrice'],
      required: ['id', 'orderId', 'productId', 'quantity', 'unitPrice'],
      parents: [
        { property: 'orderId', target: 'Order' },
        { property: 'productId', target: 'Product' }
      ],
      children: [],
      routes: {
        list: '/api/order-items',
        stream: '/api/order-items/stream',
        item: '/api/order-items/{id}',
        import: '/api/order-items/import'
      },
      indexes: [],
      uniqueKeys: []
    }
  )
  const order = entities.find((e: { name: string }) => e.name === 'Order')
  t.same(order.indexes, ['status', 'total', 'createdAt', 'status,-createdAt'], 'declared indexes, as sort names them')
})

t.test('hidden properties are not named', async t => {
  const app = await build(t, {
    model: {
      entities: {
        User: {
          schema: {
            type: 'object',
            required: ['id', 'name', 'passwordHash'],
            properties: {
              id: { type: 'string' },
              name: { type: 'string' },
              passwordHash: { type: 'string', writeOnly: true }
            }
          }
        }
      }
    }
  })
  const [user] = (await app.inject('/api/_model')).json().entities
  t.same(user.properties, ['id', 'name'])
  t.same(user.required, ['id', 'name'])
  const page = await app.inject('/docs/model')
  t.notMatch(page.body, 'passwordHash')
})
