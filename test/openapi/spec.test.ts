// The served OpenAPI document passes Redocly's recommended rules with zero errors, describes
// every operation fully, and the committed TypeScript types are generated from it.
import t, { type Test } from 'tap'
import { readFile } from 'node:fs/promises'
import { createConfig, lintFromString } from '@redocly/openapi-core'
import { specTypes } from '../../openapi/spec-types.js'
import { build } from '../helper.js'
import { integrityModel } from '../integrity-model.js'

interface Operation {
  operationId?: string
  tags?: string[]
  summary?: string
  description?: string
  parameters?: Array<{ name: string, description?: string }>
  responses: Record<string, { content?: Record<string, unknown> }>
}

async function served (
  t: Test,
  model?: typeof integrityModel
): Promise<{ paths: Record<string, Record<string, Operation>>, components: { schemas: Record<string, any> } }> {
  const app = await build(t, model === undefined ? {} : { model, env: { HEAL_INTERVAL_MS: '0' } })
  return (await app.inject('/openapi.json')).json()
}

t.test('Redocly finds no errors in the document', async t => {
  // the sample shop, and a model with reject/park relationships (202 and 422 answers, parked lists)
  for (const model of [undefined, integrityModel]) {
    const spec = await served(t, model)
    const config = await createConfig({ extends: ['recommended'] })
    const problems = await lintFromString({ source: JSON.stringify(spec), absoluteRef: 'openapi.json', config })
    const errors = problems
      .filter(p => p.severity === 'error')
      .map(p => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? ''}`)
    t.same(errors, [], 'zero errors')
    if (model !== undefined) {
      t.ok(spec.paths['/api/_parked/order-items']?.get, 'parked records are listed')
      t.ok(spec.paths['/api/_parked/order-items/{id}']?.get?.responses['404'], 'a parked record is read by id')
      t.ok(spec.paths['/api/_parked/order-items/{id}']?.delete?.responses['204'], 'and cancelled')
      t.ok(spec.paths['/api/order-items']?.post?.responses['202'], 'a parking write may answer 202')
      t.ok(spec.paths['/api/orders']?.post?.responses['422'], 'a rejecting write may answer 422')
    }
  }
})

t.test('every operation is described for client generators', async t => {
  const spec = await served(t)
  const ids = new Set<string>()
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const where = `${method.toUpperCase()} ${path}`
      t.ok(op.operationId !== undefined && !ids.has(op.operationId), `${where} has a unique operationId`)
      ids.add(op.operationId!)
      t.ok(
        (op.tags?.length ?? 0) > 0 && op.summary !== undefined && op.description !== undefined,
        `${where} has tags, summary and description`
      )
      for (const p of op.parameters ?? []) t.ok(p.description, `${where} describes parameter ${p.name}`)
      // the model routes take no parameters and read no store: 401 is their only failure
      if (path.startsWith('/api/') && !path.startsWith('/api/_model')) {
        const problems = Object.entries(op.responses).filter(
          ([status, r]) => status >= '400' && r.content?.['application/problem+json'] !== undefined
        )
        t.ok(problems.length >= 2, `${where} declares its problem+json errors`)
      }
    }
  }
})

t.test('graphs and streams have exact, per-entity schemas', async t => {
  const spec = await served(t)
  const get = spec.paths['/api/orders/{id}']!.get!
  t.same(get.responses['200']!.content!['application/json'], {
    schema: {
      anyOf: [
        { $ref: '#/components/schemas/Order' },
        { $ref: '#/components/schemas/OrderPartial' },
        { $ref: '#/components/schemas/OrderGraph' },
        { $ref: '#/components/schemas/OrderNormalized' }
      ],
      description: 'The Order, or its graph when `with` is given, or with `shape=normalized` both normalized'
    }
  })
  const graph = spec.components.schemas.OrderGraph
  t.same(graph.properties.parents.properties.customerId.anyOf, [
    { $ref: '#/components/schemas/CustomerGraph' },
    { $ref: '#/components/schemas/Customer' },
    { $ref: '#/components/schemas/CustomerPartial' },
    { type: 'null' }
  ])
  t.same(graph.properties.children.properties.OrderItem.properties.orderId.items, {
    anyOf: [
      { $ref: '#/components/schemas/OrderItemGraph' },
      { $ref: '#/components/schemas/OrderItem' },
      { $ref: '#/components/schemas/OrderItemPartial' }
    ]
  })
  const itemGraph = spec.components.schemas.OrderItemGraph
  t.same(Object.keys(itemGraph.properties.parents.properties), ['orderId', 'productId'])
  const stream = spec.paths['/api/orders/stream']!.get!.responses['200']!.content!
  t.same(Object.keys(stream), ['application/x-ndjson'], 'the stream has its media type')
  t.same(Object.keys(spec.paths['/api/orders/import']!.post!.responses['200']!.content!), ['application/json'])
  t.notOk(
    spec.paths['/api/orders']!.get!.parameters!.some(p => (p as { required?: boolean }).required),
    'page and size have defaults, so they are optional'
  )
})

t.test('openapi/schema.d.ts is generated from the document', async t => {
  const spec = await served(t)
  const committed = await readFile(new URL('../../openapi/schema.d.ts', import.meta.url), 'utf8')
  t.equal(await specTypes(spec), committed, 'openapi/schema.d.ts is up to date: run `npm run openapi`')
})

t.test('keyset paging: after and cursor are described, and so is the cursor line of a stream', async t => {
  const spec = await served(t)
  for (const path of ['/api/orders', '/api/orders/stream']) {
    const names = spec.paths[path]!.get!.parameters!.map(p => p.name)
    t.ok(names.includes('after') && names.includes('cursor'), `${path} takes after and cursor`)
  }
  const ndjson = spec.paths['/api/orders/stream']!.get!.responses['200']!.content!['application/x-ndjson'] as {
    'x-oai-itemSchema': { anyOf: Array<{ $ref: string }> }
  }
  const lines = ndjson['x-oai-itemSchema'].anyOf
  t.ok(lines.some(s => s.$ref === '#/components/schemas/OrderCursorLine'), 'a line may be a cursor line')
  const line = spec.components.schemas.OrderCursorLine
  t.same(
    [line.required, line.properties.cursor.type, line.properties.data.anyOf],
    [
      ['cursor', 'data'],
      'string',
      [
        { $ref: '#/components/schemas/Order' },
        { $ref: '#/components/schemas/OrderPartial' },
        { $ref: '#/components/schemas/OrderGraph' }
      ]
    ],
    'a cursor line: the cursor, and the document or graph in data'
  )
  const types = await readFile(new URL('../../openapi/schema.d.ts', import.meta.url), 'utf8')
  t.match(
    types,
    /"\/api\/orders\/stream": \{\s*document: [^;]*;\s*graph: [^;]*;\s*cursor: components\["schemas"\]\["OrderCursorLine"\];/,
    'the generated client types know the cursor line'
  )
})

t.test('limit[Child] and sort[Child] are listed for every child entity a path or depth can reach', async t => {
  const spec = await served(t)
  const names = (path: string) => spec.paths[path]!.get!.parameters!.map(p => p.name)
  const customer = names('/api/customers/{id}')
  t.ok(
    ['limit[Order]', 'limit[OrderItem]', 'sort[OrderItem]'].every(n => customer.includes(n)),
    'items are two hops from a customer'
  )
  const items = spec.paths['/api/customers/{id}']!.get!.parameters!.find(p => p.name === 'limit[OrderItem]')!
  t.match(
    items.description!,
    /per Order or Product and relationship in each graph \(reached through a `with` path or `depth`/
  )
  t.ok(names('/api/categories').includes('limit[OrderItem]'), 'and on the list')
  t.ok(names('/api/customers/stream').includes('limit[OrderItem]'), 'and on the stream')
})

t.test('every parameter of every operation has an example', async t => {
  const spec = await served(t)
  for (const [path, operations] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(operations)) {
      for (const p of op.parameters ?? []) {
        // @fastify/swagger moves a schema's examples to the parameter: `example` for one, named `examples` for more
        const {
          example,
          examples,
          schema = {}
        } = p as { example?: unknown, examples?: Record<string, unknown>, schema?: { default?: unknown } }
        t.ok(
          example !== undefined || examples !== undefined || schema.default !== undefined,
          `${method.toUpperCase()} ${path} ${p.name}`
        )
      }
    }
  }
})

t.test('the examples of filter and sort fit their entity', async t => {
  const spec = await served(t)
  const param = (path: string, name: string) =>
    spec.paths[path]!.get!.parameters!.find(p => p.name === name) as {
      example?: string
      examples?: Record<string, { value: string }>
    }
  t.equal(param('/api/categories', 'sort').example, '-name,id')
  t.same(
    Object.values(param('/api/categories', 'filter').examples!).map(e => e.value),
    ['{"name":{"$exists":true}}', '{"Category":{"$some":{}}}']
  )
  const app = await build(t, { env: { SEED: 'true' } })
  for (const [path, operations] of Object.entries(spec.paths)) {
    const list = operations.get?.parameters?.find(p => p.name === 'filter') as
      { example?: string, examples?: Record<string, { value: string }> } | undefined
    if (list === undefined || path.includes('{')) continue
    const sort = (operations.get!.parameters!.find(p => p.name === 'sort') as unknown as { example: string }).example
    for (const filter of list.examples === undefined
      ? [list.example!]
      : Object.values(list.examples).map(e => e.value)) {
      const res = await app.inject({ url: path, query: { filter, sort } })
      t.equal(res.statusCode, 200, `${path}?filter=${filter}&sort=${sort}`)
    }
  }
})

t.test('Swagger UI prefills only the id: the other parameters show their examples in their description', async t => {
  const app = await build(t)
  const ui = (await app.inject('/docs/json')).json() as Awaited<ReturnType<typeof served>>
  const full = (await app.inject('/openapi.json')).json() as Awaited<ReturnType<typeof served>>
  type Param = Operation['parameters'] extends Array<infer P> | undefined
    ? P & { in: string, example?: unknown, examples?: unknown, schema?: { default?: unknown } }
    : never
  const params = (spec: typeof ui, path: string) => spec.paths[path]!.get!.parameters as Param[]
  for (const [path, item] of Object.entries(ui.paths)) {
    for (const [method, op] of Object.entries(item)) {
      for (const p of (op.parameters ?? []) as Param[]) {
        const prefill = p.example ?? p.examples ?? p.schema?.default
        if (p.in === 'path') t.ok(prefill, `${method} ${path}: the id keeps its example`)
        else t.equal(prefill, undefined, `${method} ${path} ${p.name}: nothing to prefill`)
      }
    }
  }
  const depth = params(ui, '/api/orders/{id}').find(p => p.name === 'depth')!
  t.match(depth.description, /\n\nExample: `2`$/, 'the example stays visible')
  const size = params(ui, '/api/orders').find(p => p.name === 'size')!
  t.match(size.description, /\n\nDefault: `50`, when left empty$/, 'and so does a default')
  t.equal(params(full, '/api/orders/{id}').find(p => p.name === 'depth')!.example, 2, '/openapi.json keeps examples')
})
