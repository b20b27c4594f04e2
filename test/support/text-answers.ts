// The differential check behind test/routes/text-answers-*.test.ts: answers written from stored
// text (TEXT_ANSWERS=true, the default) against the general path (TEXT_ANSWERS=false, every
// document parsed and serialized), for generated reads with every read parameter, on one store,
// the same data on both sides; status, the headers that carry data and the body must be the
// same bytes, so the fast path cannot drift.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { Type } from 'typebox'
import { defineModel, Parent, type ModelDefinition } from '../../src/model/model.js'
import { sampleModel } from '../../src/sample/sample-model.js'
import { writeShop } from '../../src/sample/seed.js'
import { appOn } from './shop.js'

export const STORES = ['memory:', 'sqlite::memory:', 'sqlite-file', 'mongodb://stand-in/relata'] as const
export type StoreUrl = typeof STORES[number]
const REQUESTS = Number(process.env.TEXT_ANSWERS_REQUESTS ?? 160)

const Str = Type.String({ minLength: 1 })
const NullableRef = (entity: string) => Type.Optional(Parent(entity, Type.Union([Str, Type.Null()])))

/** Hidden properties on a parent and a child, nullable and dangling references, unusual JSON. */
export const hiddenModel = defineModel({
  entities: {
    Customer: {
      schema: Type.Object({ id: Str, name: Str, secret: Type.Optional(Type.String({ 'x-internal': true })) })
    },
    Order: {
      schema: Type.Object({
        id: Str,
        customerId: NullableRef('Customer'),
        total: Type.Number(),
        extra: Type.Optional(Type.Unknown())
      })
    },
    OrderItem: {
      schema: Type.Object({
        id: Str,
        orderId: Parent('Order', Str),
        quantity: Type.Integer(),
        cost: Type.Optional(Type.Number({ 'x-internal': true }))
      })
    }
  }
})

async function writeHiddenData (app: FastifyInstance): Promise<void> {
  const store = app.relata.store
  await store.upsertMany('Customer', Array.from({ length: 6 }, (_, i) => ({
    id: `c${i}`, name: i % 2 === 0 ? `Ann ${i} \u00e9\u{1F600}` : 'Bob "quoted" \\ back', secret: `s${i}`
  })))
  await store.upsertMany('Order', Array.from({ length: 30 }, (_, i) => ({
    id: `o${String(i).padStart(2, '0')}`,
    // null, missing and dangling references as well as real ones
    ...(i % 7 === 0 ? {} : { customerId: i % 5 === 0 ? null : i % 11 === 0 ? 'gone' : `c${i % 6}` }),
    total: [1e21, -0, 0.1 + 0.2, 12, 5e-7][i % 5]!,
    ...(i % 3 === 0 ? { extra: { nested: [1, { deep: 'x\u2028y' }], empty: {}, none: null } } : {})
  })))
  await store.upsertMany('OrderItem', Array.from({ length: 80 }, (_, i) => ({
    id: `i${String(i).padStart(3, '0')}`, orderId: `o${String(i % 25).padStart(2, '0')}`, quantity: (i * 7) % 5, cost: i
  })))
}

export async function appPair (t: Test, url: StoreUrl,
  model: ModelDefinition): Promise<[FastifyInstance, FastifyInstance]> {
  const dir = mkdtempSync(join(tmpdir(), 'relata-text-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  // small batches, so that streams take several
  // text answers on SQLite are the graphs SQLite builds (GRAPHS_IN_STORE), documents spliced elsewhere
  const env = (text: string): Record<string, string> => ({
    TEXT_ANSWERS: text,
    GRAPHS_IN_STORE: 'true',
    STREAM_BATCH_SIZE: '7',
    ...(url === 'sqlite-file' ? { DATABASE_URL: `sqlite:${join(dir, `${text}.db`)}` } : {})
  })
  const open = url === 'sqlite-file' ? 'memory:' : url
  const apps = [await appOn(t, open, model, env('true')), await appOn(t, open, model, env('false'))] as const
  for (const app of apps) {
    if (model === sampleModel) {
      await writeShop(app.relata.store, { customers: 6, products: 12, orders: 40, itemsPerOrder: 3 })
    } else await writeHiddenData(app)
  }
  return [apps[0], apps[1]]
}

/** A seeded generator, so that a failure names a request that can be sent again. */
function random (seed: number): (n: number) => number {
  let state = seed
  return n => {
    state = (state * 1103515245 + 12345) & 0x7fffffff
    return state % n
  }
}

function pick<T> (next: (n: number) => number, values: readonly T[]): T {
  return values[next(values.length)]!
}

export interface Vocabulary {
  route: string
  ids: readonly string[]
  with: readonly string[]
  fields: readonly string[]
  relFields: ReadonlyArray<[string, string]>
  children: readonly string[]
  childSort: string
  sort: readonly string[]
  filter: readonly string[]
  count: readonly string[]
}

export const SAMPLE: Vocabulary[] = [
  {
    route: 'orders',
    ids: ['ord-1', 'ord-7', 'ord-40', 'nope'],
    with: ['all', 'customerId', 'OrderItem', 'customerId,OrderItem', 'OrderItem.productId', 'customerId.Order', ''],
    fields: ['status', 'id,total', 'customerId'],
    relFields: [['customerId', 'name'], ['OrderItem', 'quantity'], ['OrderItem.productId', 'price']],
    children: ['OrderItem'],
    childSort: '-quantity',
    sort: ['-total', 'status,-createdAt', 'createdAt'],
    filter: ['{"status":"paid"}', '{"total":{"$gt":100}}'],
    count: ['OrderItem']
  },
  {
    route: 'customers',
    ids: ['cust-1', 'cust-3', 'nope'],
    with: ['all', 'Order', 'Order.OrderItem'],
    fields: ['name', 'email,city'],
    relFields: [['Order', 'status']],
    children: ['Order', 'OrderItem'],
    childSort: '-total',
    sort: ['-name', 'city'],
    filter: ['{"city":"Oslo"}'],
    count: ['Order']
  },
  {
    route: 'order-items',
    ids: ['item-1-1', 'item-3-2'],
    with: ['all', 'orderId', 'productId.categoryId', 'orderId.customerId'],
    fields: ['quantity', 'orderId,unitPrice'],
    relFields: [['orderId', 'total'], ['productId', 'name']],
    children: [],
    childSort: '',
    sort: ['-quantity', 'unitPrice'],
    filter: ['{"quantity":{"$gte":2}}'],
    count: []
  },
  {
    route: 'categories',
    ids: ['cat-1', 'cat-2'],
    with: ['all', 'parentId', 'Category', 'Product'],
    fields: ['name'],
    relFields: [['parentId', 'name']],
    children: ['Category', 'Product'],
    childSort: '-name',
    sort: ['name'],
    filter: ['{"parentId":null}'],
    count: ['Category', 'Product']
  }
]

export const HIDDEN: Vocabulary[] = [
  {
    route: 'orders',
    ids: ['o01', 'o00', 'o11', 'o29'],
    with: ['all', 'customerId', 'OrderItem', 'customerId.Order'],
    fields: ['total', 'extra'],
    relFields: [['customerId', 'name'], ['OrderItem', 'quantity']],
    children: ['OrderItem', 'Order'],
    childSort: '-quantity',
    sort: ['-total', 'customerId'],
    filter: ['{"total":{"$gt":1}}'],
    count: ['OrderItem']
  },
  {
    route: 'customers',
    ids: ['c1', 'c2'],
    with: ['all', 'Order', 'Order.OrderItem'],
    fields: ['name'],
    relFields: [['Order', 'total']],
    children: ['Order', 'OrderItem'],
    childSort: '-total',
    sort: ['-name'],
    filter: ['{"name":"Ann 0 \u00e9\u{1F600}"}'],
    count: ['Order']
  }
]

/** One read with a random choice of every parameter the route takes (and, sometimes, one it refuses). */
function request (next: (n: number) => number, v: Vocabulary): string {
  const params = new URLSearchParams()
  const kind = pick(next, ['get', 'list', 'list', 'stream'])
  const maybe = (p: number): boolean => next(100) < p
  if (maybe(75)) params.set('with', pick(next, v.with))
  if (maybe(20)) params.set('depth', pick(next, ['1', '2']))
  for (const child of v.children) {
    if (maybe(25)) params.set(`limit[${child}]`, pick(next, ['0', '1', '2', '5']))
    if (maybe(20)) params.set(`sort[${child}]`, v.childSort)
  }
  if (maybe(20)) params.set('fields', pick(next, v.fields))
  if (maybe(15)) {
    const [relationship, fields] = pick(next, v.relFields)
    params.set(`fields[${relationship}]`, fields)
  }
  if (v.count.length > 0 && maybe(15)) params.set('count', pick(next, v.count))
  if (kind !== 'stream' && maybe(10)) params.set('shape', 'normalized')
  if (kind !== 'get') {
    if (maybe(30)) params.set('sort', pick(next, v.sort))
    if (maybe(25)) params.set('filter', pick(next, v.filter))
    if (maybe(30)) params.set('cursor', 'true')
  }
  if (kind === 'list') {
    if (maybe(70)) params.set('size', pick(next, ['1', '3', '10', '50']))
    if (maybe(40)) params.set('page', pick(next, ['1', '2', '4']))
  }
  const query = params.toString()
  const path = kind === 'get' ? `/${encodeURIComponent(pick(next, v.ids))}` : kind === 'stream' ? '/stream' : ''
  return `/api/${v.route}${path}${query === '' ? '' : `?${query}`}`
}

/** What must be the same: status, body and the headers that carry data. */
function answer (res: Awaited<ReturnType<FastifyInstance['inject']>>): Record<string, unknown> {
  const h = res.headers
  return {
    status: res.statusCode,
    type: h['content-type'],
    total: h['x-total-count'],
    link: h.link,
    pending: h['relata-pending'],
    body: res.body
  }
}

export async function compareAll (t: Test, url: StoreUrl, model: ModelDefinition, words: Vocabulary[],
  seed: number): Promise<void> {
  const [fast, general] = await appPair(t, url, model)
  const next = random(seed)
  const statuses = new Map<number, number>()
  let checked = 0
  for (let i = 0; i < REQUESTS; i++) {
    const path = request(next, pick(next, words))
    const [a, b] = [answer(await fast.inject(path)), answer(await general.inject(path))]
    statuses.set(a.status as number, (statuses.get(a.status as number) ?? 0) + 1)
    // a keyset list answers a next link: follow it once on both sides
    const link = typeof a.link === 'string' ? /<([^>]+)>; rel="next"/.exec(a.link)?.[1] : undefined
    const followed = link === undefined ? [] : [answer(await fast.inject(link)), answer(await general.inject(link))]
    const same = JSON.stringify([a, ...followed.slice(0, 1)]) === JSON.stringify([b, ...followed.slice(1)])
    if (!same) {
      t.same(a, b, `${url}: GET ${path} answers the same bytes on both paths`)
      t.same(followed[0], followed[1], `${url}: its next link ${String(link)} too`)
      return
    }
    checked += 1 + (link === undefined ? 0 : 1)
  }
  t.pass(`${url}: ${checked} reads answered the same bytes on both paths`)
  // the generator must reach real answers, not only refusals
  t.ok((statuses.get(200) ?? 0) > REQUESTS / 3, `${url}: most reads succeed (${JSON.stringify([...statuses])})`)
}
