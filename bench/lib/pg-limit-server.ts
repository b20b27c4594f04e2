// The hand-written PostgreSQL route: the smallest Fastify 5 + node-postgres code answering the
// sample shop's order graphs (`with=all`: the customer, the items with their count) in one
// statement from the tables Relata's store created, the database writing the JSON text by
// concatenating the stored documents (`body`), which the route sends as it is. No hooks, no
// validation, no headers beyond the type and the count. Byte for byte Relata's answers as long
// as every order's items fit CHILD_LIMIT (bench/postgres-graphs.ts checks).
import Fastify, { type FastifyInstance } from 'fastify'
import pg from 'pg'

const GRAPH = `'{"entity":' || o.body || ',"parents":{"customerId":' || coalesce(c.body, 'null') ||
  '},"children":{"OrderItem":{"orderId":[' || coalesce(i.items, '') || ']}},"meta":{"children":' ||
  '{"OrderItem.orderId":{"total":' || i.n || ',"returned":' || i.n || '}}}}'`
const RELATIVES = `LEFT JOIN "Customer" c ON c.id = o."ref_customerId"
  LEFT JOIN LATERAL (SELECT string_agg(body, ',' ORDER BY id) AS items, count(*) AS n FROM "OrderItem"
    WHERE "ref_orderId" = o.id) i ON true`
const ONE = `SELECT ${GRAPH} AS graph FROM "Order" o ${RELATIVES} WHERE o.id = $1`
const PAGE = `SELECT (SELECT count(*) FROM "Order") AS total, ${GRAPH} AS graph
  FROM (SELECT * FROM "Order" ORDER BY id LIMIT $1 OFFSET $2) o ${RELATIVES} ORDER BY o.id`

export async function pgLimitServer (url: string, poolSize: number): Promise<FastifyInstance> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize })
  const app = Fastify({ logger: false })
  app.addHook('onClose', async function endPool () { await pool.end() })

  app.get<{ Params: { id: string } }>('/api/orders/:id', async function one (request, reply) {
    const { rows } = await pool.query({ name: 'one', text: ONE, values: [request.params.id] })
    reply.type('application/json; charset=utf-8')
    return rows.length === 0 ? reply.code(404).send('{}') : reply.send(rows[0].graph as string)
  })

  app.get<{ Querystring: { size?: string, page?: string } }>('/api/orders', async function page (request, reply) {
    const size = Number(request.query.size ?? 50)
    const offset = (Number(request.query.page ?? 1) - 1) * size
    const { rows } = await pool.query({ name: 'page', text: PAGE, values: [size, offset] })
    const total = rows.length === 0 ? 0 : Number(rows[0].total)
    return reply.type('application/json; charset=utf-8').header('x-total-count', total)
      .send(`[${rows.map(row => row.graph as string).join(',')}]`)
  })
  return app
}
