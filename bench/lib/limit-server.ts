// The hand-written limit: the smallest Fastify 5 routes doing exactly the store work Relata
// does for the sample shop's order reads, on the same SQLite file (the table layout Relata's
// store created: a JSON document per row, a generated, indexed column per reference) with the
// same prepared better-sqlite3 statements, splicing the stored JSON text into the answer
// without parsing it. Nothing else: no hooks, no validation, no headers beyond the type.
//   GET /api/orders/:id            one statement, the stored text as it is
//   GET /api/orders/:id?with=all   the order, its customer (getMany), its items' counts and items
//   GET /api/orders?with=all&size=&page=   the page with its bounded total (Relata's statement), then
//                                          the same for 100 orders
//   GET /api/orders/stream?with=all        keyset batches of STREAM_BATCH_SIZE, each enriched so
// The answers are byte for byte Relata's (bench/limit.ts checks), as long as every order's items
// fit CHILD_LIMIT (the sample has 3 per order), so no `next` link is ever needed.
import Database from 'better-sqlite3'
import Fastify, { type FastifyInstance } from 'fastify'
import { Readable } from 'node:stream'
import { registerTick } from '../../src/store/sqlite/sql-reader.js'
import { childrenSql, countByRefsSql, findSql, getSql } from '../../src/store/sqlite/statements.js'

/** Relata's default COUNT_LIMIT, which bounds a page's count there. */
const COUNT_LIMIT = 10_000

type Row = Record<string, unknown>

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
  // countByRefsSql calls it about every 1,024 rows, as in Relata's store
  registerTick(db)
  const s = prepare(db)
  const app = Fastify({ logger: false })
  app.addHook('onClose', async function closeDb () { db.close() })

  app.get<{ Params: { id: string }, Querystring: Query }>('/api/orders/:id', async function one (request, reply) {
    const id = request.params.id
    reply.type('application/json; charset=utf-8')
    if (request.query.with === undefined) {
      const row = s.get.get(id) as Row | undefined
      return row === undefined ? reply.code(404).send('{}') : reply.send(row.doc as string)
    }
    const row = s.order.get(id) as Row | undefined
    if (row === undefined) return reply.code(404).send('{}')
    return reply.send(graphs(s, [row], [id])[0]!)
  })

  app.get<{ Querystring: Query }>('/api/orders', async function page (request, reply) {
    const size = Number(request.query.size ?? 50)
    const page = Number(request.query.page ?? 1)
    const bound = Math.max(COUNT_LIMIT, page * size) + 1
    const rows = s.page.all(bound, size, (page - 1) * size) as Row[]
    const ids = rows.map(r => r.id as string)
    const total = rows.length > 0 ? rows[0]!.total as number : 0
    return reply.type('application/json; charset=utf-8').header('x-total-count', total)
      .send(`[${graphs(s, rows, ids).join(',')}]`)
  })

  app.get('/api/orders/stream', async function stream (_request, reply) {
    let after = ''
    let done = false
    const body = new Readable({
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
    return reply.type('application/x-ndjson').send(body)
  })
  return app
}
