// API keys limited to some entities scope data, not routes, on every store: every relationship
// kind (parent reference, child entity, `Child.refProp`, self-reference, path) named in every
// read form (GET /:id, list, stream, normalized, count, relation filter, fields, limit/sort)
// answers 403 naming the entity outside the key's list, and exactly what an unlimited key
// answers when the list covers it; `with=all` and `depth` expand only to in-scope relationships.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { shop, STORES } from '../support/shop.js'

const KEYS = {
  every: 'every-key-0123456789abcdef',
  orders: 'orders-key-0123456789abcdef',
  shop: 'shop-key-0123456789abcdef',
  catalog: 'catalog-key-0123456789abcdef',
  customers: 'customers-key-0123456789abcdef'
}
const ENTITIES: Record<Exclude<keyof typeof KEYS, 'every'>, string[]> = {
  orders: ['Order', 'OrderItem'],
  shop: ['Customer', 'Order', 'OrderItem', 'Product'],
  catalog: ['Category', 'Product'],
  customers: ['Customer']
}
const API_KEYS = [`${KEYS.every}:read`, ...Object.entries(ENTITIES)
  .map(([k, e]) => `${KEYS[k as keyof typeof ENTITIES]}:write:${e.join('+')}`)].join(',')
const ID: Record<string, string> = {
  orders: 'ord-1', customers: 'cust-1', categories: 'cat-1', products: 'prod-1', 'order-items': 'item-1-1'
}
// small child lists keep deep graphs within the row budget; both keys read the same app
const ENV = { API_KEYS, CHILD_LIMIT: '4' }

/** A relationship named from an entity's route, and every entity naming it reaches. */
interface Relationship {
  kind: string
  route: string
  name: string
  reaches: string[]
  /** A child relationship: it can also be counted, filtered by and limited. */
  child?: string
}

const RELATIONSHIPS: Relationship[] = [
  { kind: 'parent reference', route: 'orders', name: 'customerId', reaches: ['Customer'] },
  { kind: 'child entity', route: 'customers', name: 'Order', reaches: ['Order'], child: 'Order' },
  { kind: 'Child.refProp', route: 'orders', name: 'OrderItem.orderId', reaches: ['OrderItem'], child: 'OrderItem' },
  { kind: 'self-reference (parent)', route: 'categories', name: 'parentId', reaches: ['Category'] },
  { kind: 'self-reference (child)', route: 'categories', name: 'Category', reaches: ['Category'], child: 'Category' },
  {
    kind: 'path', route: 'orders', name: 'OrderItem.productId.categoryId', reaches: ['OrderItem', 'Product', 'Category']
  },
  { kind: 'path through a parent', route: 'order-items', name: 'orderId.customerId', reaches: ['Order', 'Customer'] }
]

const q = (value: unknown) => encodeURIComponent(typeof value === 'string' ? value : JSON.stringify(value))

/** Each read form that names the relationship, with the query parameter a refusal points at. */
function forms (r: Relationship): Array<[string, string, string]> {
  const one = `/api/${r.route}/${ID[r.route]}`
  const list = `/api/${r.route}?size=5`
  const all: Array<[string, string, string]> = [
    ['GET /:id', `${one}?with=${q(r.name)}`, '/with'],
    ['list', `${list}&with=${q(r.name)}`, '/with'],
    ['stream', `/api/${r.route}/stream?with=${q(r.name)}&filter=${q({ id: ID[r.route] })}`, '/with'],
    ['normalized GET', `${one}?with=${q(r.name)}&shape=normalized`, '/with'],
    ['normalized list', `${list}&with=${q(r.name)}&shape=normalized`, '/with'],
    ['fields', `${one}?with=${q(r.name)}&fields[${q(r.name)}]=id`, '/with']
  ]
  if (r.child === undefined) return all
  return [
    ...all,
    ['count', `${list}&count=${q(r.name)}`, '/count'],
    ['relation filter', `${list}&filter=${q({ [r.name]: { $some: {} } })}`, `/${r.name}`],
    ['limit[Child]', `${list}&with=${q(r.name)}&limit[${r.child}]=2`, '/with'],
    ['sort[Child]', `${list}&with=${q(r.name)}&sort[${r.child}]=-id`, '/with']
  ]
}

async function get (app: FastifyInstance, url: string, key: string) {
  return await app.inject({ url, headers: { 'x-api-key': key } })
}

for (const url of STORES) {
  t.test(`${url}: every relationship kind in every read form, by keys inside and outside scope`, async t => {
    const app = await shop(t, url, ENV)
    for (const r of RELATIONSHIPS) {
      for (const [form, path, param] of forms(r)) {
        const route = app.relata.metadata.byRoute(r.route)!.name
        const reaches = [route, ...r.reaches]
        const expected = await get(app, path, KEYS.every)
        t.equal(expected.statusCode, 200, `${r.kind}, ${form}: the unlimited key reads ${path}`)
        for (const [name, entities] of Object.entries(ENTITIES)) {
          if (!entities.includes(route)) continue
          const res = await get(app, path, KEYS[name as keyof typeof ENTITIES])
          const outside = reaches.find(e => !entities.includes(e))
          const label = `${r.kind}, ${form}, key ${entities.join('+')}`
          if (outside === undefined) {
            t.equal(res.statusCode, 200, `${label}: inside the scope`)
            t.equal(res.body, expected.body, `${label}: the same answer as the unlimited key`)
            continue
          }
          t.equal(res.statusCode, 403, `${label}: ${outside} is outside`)
          t.match(res.headers['content-type'], /^application\/problem\+json/)
          const problem = res.json()
          t.match(problem, { type: 'urn:relata:problem:forbidden', status: 403, errors: [{ path: param }] }, label)
          const named = `reaches ${outside}, and this API key is limited to ${entities.join(', ')}`
          t.match(problem.detail, named, `${label}: names ${outside}`)
        }
      }
    }
  })

  t.test(`${url}: with=all and depth expand only to in-scope relationships, in every read form`, async t => {
    const app = await shop(t, url, ENV)
    // what a narrow key's `all` amounts to, spelled out for the unlimited key
    const cases: Array<[keyof typeof KEYS, string, string, string]> = [
      ['orders', 'orders', 'with=all', 'with=OrderItem'],
      ['orders', 'orders', 'with=all&depth=2', 'with=OrderItem.orderId.orderId'],
      ['orders', 'order-items', 'with=all&depth=3', 'with=orderId.OrderItem.orderId.orderId'],
      ['catalog', 'products', 'with=all&depth=2',
        'with=categoryId.parentId,categoryId.Category,categoryId.Product'],
      ['shop', 'customers', 'with=all&depth=2', 'with=Order.customerId.customerId,Order.OrderItem']
    ]
    for (const [key, route, narrow, explicit] of cases) {
      const forms: Array<[string, string]> = [
        ['GET /:id', `/api/${route}/${ID[route]}?`],
        ['list', `/api/${route}?size=5&`],
        ['stream', `/api/${route}/stream?filter=${q({ id: ID[route] })}&`],
        ['normalized', `/api/${route}?size=5&shape=normalized&`]
      ]
      for (const [form, start] of forms) {
        const [scoped, unlimited] = [start + narrow, start + explicit]
        const res = await get(app, scoped, KEYS[key])
        const expected = await get(app, unlimited, KEYS.every)
        t.equal(res.statusCode, 200, `${key} ${form} ${scoped}`)
        t.equal(expected.statusCode, 200, unlimited)
        // normalized answers carry their own URL in links.self
        const body = (text: string) => {
          const json = JSON.parse(text)
          if (form === 'normalized') delete json.links
          return json
        }
        t.same(body(res.body), body(expected.body), `${key} ${form}: ${narrow} reads as ${explicit}`)
      }
    }
    // a key that leaves no relationship: still graphs, with empty parents and children
    const graphs = (await get(app, '/api/customers?size=2&with=all', KEYS.customers)).json() as unknown[]
    t.equal(graphs.length, 2)
    for (const graph of graphs) t.same({ ...graph as object, entity: {} }, { entity: {}, parents: {}, children: {} })
  })

  t.test(`${url}: names that with=all left out, and nested relation filters, are refused by name`, async t => {
    const app = await shop(t, url, ENV)
    // [key, path, parameter refused, entity named]; allowed ones read as `path` (or the last) for the unlimited key
    const cases: Array<[keyof typeof ENTITIES, string, string, string, string?]> = [
      ['orders', '/api/orders/ord-1?with=all&fields[customerId]=name', '/fields[customerId]', 'Customer'],
      ['orders', '/api/orders/ord-1?with=all&fields[OrderItem.productId]=id', '/fields[OrderItem.productId]',
        'Product'],
      ['customers', `/api/customers?filter=${q({ Order: { $some: { OrderItem: { $some: {} } } } })}`,
        '/Order', 'Order'],
      ['shop', `/api/customers?filter=${q({ Order: { $some: { total: { $gt: 1 } } } })}`, '', ''],
      ['orders', `/api/orders/stream?filter=${q({ OrderItem: { $some: { quantity: 5 } } })}&count=OrderItem`, '', ''],
      ['customers', '/api/customers?count=Order', '/count', 'Order'],
      ['customers', '/api/customers?with=all&limit[Order]=1', '/limit[Order]', 'Order'],
      ['orders', '/api/order-items?with=all&depth=2&sort[Product]=-id', '/sort[Product]', 'Product'],
      ['orders', '/api/orders?with=all&depth=2&sort[OrderItem]=-id&limit[OrderItem]=1', '', '',
        '/api/orders?with=OrderItem.orderId.orderId&sort[OrderItem]=-id&limit[OrderItem]=1']
    ]
    for (const [key, path, param, outside, unlimited = path] of cases) {
      const res = await get(app, path, KEYS[key])
      if (outside === '') {
        t.equal(res.statusCode, 200, `${key}: ${path}`)
        t.equal(res.body, (await get(app, unlimited, KEYS.every)).body, `${key}: as ${unlimited} reads unlimited`)
        continue
      }
      t.equal(res.statusCode, 403, `${key}: ${path}`)
      const detail = `reaches ${outside}, and this API key is limited to ${ENTITIES[key].join(', ')}`
      t.match(res.json(), { status: 403, errors: [{ path: param }] })
      t.ok(res.json().detail.endsWith(detail), `${key}: ${path} names ${outside}`)
    }
    // nested: the inner relationship is checked too (Order is inside, Category is not)
    const inner = q({ Order: { $some: { OrderItem: { $none: {} } } } })
    t.equal((await get(app, `/api/customers?filter=${inner}`, KEYS.shop)).statusCode, 200, 'shop: both inside')
    const deep = q({ Product: { $some: { OrderItem: { $some: {} } } } })
    const out = await get(app, `/api/categories?filter=${deep}`, KEYS.catalog)
    t.equal(out.statusCode, 403)
    t.match(out.json(), {
      detail: /the relation filter on OrderItem reaches OrderItem/,
      errors: [{ path: '/Product/$some/OrderItem' }]
    })
  })
}
