// The hand-written limit: the smallest Fastify 5 routes doing exactly the store work Relata
// does for the sample shop's order reads, on the same SQLite file (the table layout Relata's
// store created: a JSON document per row, a generated, indexed column per reference) with the
// same prepared better-sqlite3 statements, sending the text SQLite answers without parsing it.
// Nothing else: no hooks, no validation, no headers beyond the type.
//   GET /api/orders/:id            one statement, the stored text as it is
//   GET /api/orders/:id?with=all   Relata's one statement writing the order's graph (GRAPHS_IN_STORE)
//   GET /api/orders?with=all&size=&page=   Relata's one statement writing the page's graphs with
//                                          its bounded total
//   GET /api/orders/stream?with=all        keyset batches of STREAM_BATCH_SIZE, each Relata's one
//                                          statement writing the batch's graphs (here on the main thread)
// The statements are the store's own (GraphStatements) for the plan Relata makes of `with=all` on
// Order, written out below. BENCH_LIMIT_BATCHED=1 runs the limit of Relata's batched path
// (GRAPHS_IN_STORE=false) instead: three statements per answer or batch (the orders, their
// customers, their items with counts), the stored text spliced in Node.
// The answers are byte for byte Relata's (bench/limit.ts checks), as long as every order's items
// fit CHILD_LIMIT (the sample has 3 per order), so no `next` link is ever needed.
import Database from 'better-sqlite3'
import Fastify, { type FastifyInstance } from 'fastify'
import { Readable } from 'node:stream'
import { buildMetadata, storeEntities } from '../../src/relata.js'
import { sampleModel } from '../../src/sample/sample-model.js'
import type { GraphPlan } from '../../src/store/graph-plan.js'
import { GraphStatements } from '../../src/store/sqlite/graph-texts.js'
import { tableSql } from '../../src/store/sqlite/identifiers.js'
import { registerTick } from '../../src/store/sqlite/sql-reader.js'
import { childrenSql, countByRefsSql, findSql, getSql } from '../../src/store/sqlite/statements.js'

/** Relata's default COUNT_LIMIT, which bounds a page's count there. */
const COUNT_LIMIT = 10_000

/** Relata's default CHILD_LIMIT. */
const CHILD_LIMIT = 1000

/** BENCH_LIMIT_BATCHED=1: the limit of the batched path, three statements per answer or batch. */
const BATCHED = process.env.BENCH_LIMIT_BATCHED === '1'

type Row = Record<string, unknown>

/** What Relata asks the store for on `with=all` of Order (src/graph/store-graph-plan.ts): nothing hidden. */
const WITH_ALL: GraphPlan = {
  hidden: [],
  parents: [{ property: 'customerId', target: 'Customer', parentKey: 'id', below: { hidden: [] } }],
  children: [{
    child: 'OrderItem',
    property: 'orderId',
    parentKey: 'id',
    key: 'OrderItem.orderId',
    limit: CHILD_LIMIT,
    below: { hidden: [] }
  }],
  counts: []
}

/** The sample shop's graph statements for `with=all` on Order, as Relata's SQLite store writes them. */
export function orderGraphs (): GraphStatements {
  const tables = new Map(storeEntities(buildMetadata(sampleModel)).map(entity => [entity.name, tableSql(entity)]))
  return new GraphStatements(name => tables.get(name)!, 'Order', WITH_ALL)
}

/** Prepared once per statement text, as Relata's store keeps them. */
export function preparer (db: Database.Database): (sql: string) => Database.Statement {
  const prepared = new Map<string, Database.Statement>()
  return sql => {
    let statement = prepared.get(sql)
    if (statement === undefined) prepared.set(sql, statement = db.prepare(sql))
    return statement
  }
}

interface Statements {
  get: Database.Statement
  order: Database.Statement
  page: Database.Statement
  batch: Database.Statement
  customers: Database.Statement
  counts: Database.Statement
  items: Database.Statement
}

function prepare (db: Database.Database): Statements {
  const order = '"Order"'
  return {
    get: db.prepare(getSql(order)),
    // the document and the value the graph needs, from the generated column: no JSON parsing
    order: db.prepare(`SELECT doc, "ref_customerId" AS customer FROM ${order} WHERE id = ?`),
    // Relata's own page statement: its count stops at a bound (COUNT_LIMIT, or as far as the page
    // reaches), which on SQLite reads up to that many index entries where a bare COUNT(*) counts
    // pages of the b-tree (10,000 orders: 2.7 against 0.02 ms; a synthetic 1,000,000: 1.5 against 50)
    page: db.prepare(findSql(order, '1', 'id ASC', '1', ', id, "ref_customerId" AS customer')),
    batch: db.prepare(`SELECT doc, id, "ref_customerId" AS customer FROM ${order} WHERE id > ? ORDER BY id LIMIT ?`),
    customers: db.prepare('SELECT doc, id FROM "Customer" WHERE id IN (SELECT value FROM json_each(?))'),
    counts: db.prepare(countByRefsSql('"OrderItem"', '"ref_orderId"')),
    items: db.prepare(childrenSql('"OrderItem"', '"ref_orderId"'))
  }
}

/** The with=all graphs of `orders` (rows of doc, id, customer), as JSON texts in their order. */
function graphs (s: Statements, orders: readonly Row[], ids: readonly string[]): string[] {
  const wanted = [...new Set(orders.map(o => o.customer).filter(c => typeof c === 'string'))]
  const customers = new Map<unknown, string>()
  if (wanted.length > 0) {
    for (const row of s.customers.all(JSON.stringify(wanted)) as Row[]) customers.set(row.id, row.doc as string)
  }
  const list = JSON.stringify(ids)
  const totals = new Map<unknown, number>()
  for (const row of s.counts.all(list) as Row[]) totals.set(row.ref, row.children as number)
  const items = new Map<unknown, string[]>()
  for (const row of s.items.all(list) as Row[]) {
    const of = items.get(row.ref)
    if (of === undefined) items.set(row.ref, [row.doc as string])
    else of.push(row.doc as string)
  }
  return orders.map((order, i) => {
    const kept = items.get(ids[i]) ?? []
    return `{"entity":${order.doc as string},"parents":{"customerId":${customers.get(order.customer) ?? 'null'}},` +
      `"children":{"OrderItem":{"orderId":[${kept.join(',')}]}},` +
      `"meta":{"children":{"OrderItem.orderId":{"total":${totals.get(ids[i]) ?? 0},"returned":${kept.length}}}}}`
  })
}

interface Query {
  with?: string
  page?: string
  size?: string
}

export async function limitServer (file: string, batchSize: number): Promise<FastifyInstance> {
  const db = new Database(file, { readonly: true, fileMustExist: true })
  // the statements call it about every 1,024 rows, as in Relata's store
  registerTick(db)
  const s = prepare(db)
  const g = orderGraphs()
  const statement = preparer(db)
  const app = Fastify({ logger: false })
  app.addHook('onClose', async function closeDb () { db.close() })

  app.get<{ Params: { id: string }, Querystring: Query }>('/api/orders/:id', async function one (request, reply) {
    const id = request.params.id
    reply.type('application/json; charset=utf-8')
    if (request.query.with === undefined) {
      const row = s.get.get(id) as Row | undefined
      return row === undefined ? reply.code(404).send('{}') : reply.send(row.doc as string)
    }
    if (!BATCHED) {
      const graph = statement(g.one).get(id) as Row | undefined
      return graph === undefined ? reply.code(404).send('{}') : reply.send(graph.graph as string)
    }
    const row = s.order.get(id) as Row | undefined
    if (row === undefined) return reply.code(404).send('{}')
    return reply.send(graphs(s, [row], [id])[0]!)
  })

  app.get<{ Querystring: Query }>('/api/orders', async function page (request, reply) {
    const size = Number(request.query.size ?? 50)
    const page = Number(request.query.page ?? 1)
    const countLimit = Math.max(COUNT_LIMIT, page * size)
    reply.type('application/json; charset=utf-8')
    if (!BATCHED) {
      const args = g.page({ page, size, countLimit })
      const rows = statement(args.pageSql).all(...args.pageParams) as Row[]
      const total = rows.length > 0 ? rows[0]!.total as number : 0
      return reply.header('x-total-count', total).send(`[${rows.map(row => row.graph as string).join(',')}]`)
    }
    const rows = s.page.all(countLimit + 1, size, (page - 1) * size) as Row[]
    const ids = rows.map(r => r.id as string)
    const total = rows.length > 0 ? rows[0]!.total as number : 0
    return reply.header('x-total-count', total).send(`[${graphs(s, rows, ids).join(',')}]`)
  })

  app.get('/api/orders/stream', async function stream (_request, reply) {
    const body = BATCHED ? batchedStream(s, batchSize) : graphStream(g, statement, batchSize)
    return reply.type('application/x-ndjson').send(body)
  })
  return app
}

/** Relata's graph statement per keyset batch, a row more than the batch telling whether another follows. */
function graphStream (g: GraphStatements, statement: (sql: string) => Database.Statement, batchSize: number): Readable {
  let after: unknown[] | undefined
  let done = false
  return new Readable({
    read () {
      if (done) {
        this.push(null)
        return
      }
      const { sql, params } = g.batch({ batchSize }, after)
      const rows = statement(sql).safeIntegers(true).all(...params) as Row[]
      const graphs = rows.slice(0, batchSize)
      done = rows.length <= batchSize
      if (graphs.length === 0) {
        this.push(null)
        return
      }
      after = [graphs[graphs.length - 1]!.k0]
      this.push(graphs.map(row => row.graph as string).join('\n') + '\n')
    }
  })
}

/** The batched limit's stream: each batch, then its customers and items. */
function batchedStream (s: Statements, batchSize: number): Readable {
  let after = ''
  let done = false
  return new Readable({
    read () {
      const rows = done ? [] : s.batch.all(after, batchSize) as Row[]
      if (rows.length < batchSize) done = true
      if (rows.length === 0) {
        this.push(null)
        return
      }
      const ids = rows.map(r => r.id as string)
      after = ids[ids.length - 1]!
      this.push(graphs(s, rows, ids).join('\n') + '\n')
    }
  })
}
