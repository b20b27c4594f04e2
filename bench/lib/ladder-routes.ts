// The rungs of bench/ladder.ts: routes registered inside the Relata app (buildApp's `routes`),
// so that they run behind every hook and plugin of Relata's, each doing the same read of one
// order as GET /api/orders/:id (with `?with=all`, its graph) through one more layer of Relata:
//   /ladder/raw/:id    the limit's own statement on its own connection (limit-server.ts)
//   /ladder/store/:id  the store as the app holds it (timeout, frame, adapter); plain reads only
//   /ladder/api/:id    the entity's EntityApi as the route calls it, with the request the route would build
// Each answers the bytes the real route answers (bench/ladder.ts checks), so the differences
// between rungs are the cost of a layer.
import Database from 'better-sqlite3'
import type { FastifyInstance } from 'fastify'
import { connectionSignal } from '../../routes/connection-signal.js'
import { getTellingPending } from '../../routes/pending-writes.js'
import { textForm } from '../../src/graph/answer-form.js'
import { parseWith } from '../../src/graph/parse-with.js'
import { docJson } from '../../src/store/text-doc.js'
import { getSql } from '../../src/store/sqlite/statements.js'
import { orderGraphs, preparer } from './limit-server.js'

interface Ladder {
  Params: { id: string }
  Querystring: { with?: string }
}

const JSON_TYPE = 'application/json; charset=utf-8'

export function ladderRoutes (file: string) {
  return async function ladder (app: FastifyInstance): Promise<void> {
    const db = new Database(file, { readonly: true, fileMustExist: true })
    app.addHook('onClose', async function closeDb () { db.close() })
    const plain = db.prepare(getSql('"Order"')).pluck()
    const graph = preparer(db)(orderGraphs().one)
    const { relata } = app
    const api = relata.entity('Order')
    // the parsed requests as the route keeps them: frozen, the signal given beside them
    const plainRead = Object.freeze({})
    const allRead = Object.freeze({ selection: parseWith(relata.metadata.entity('Order'), 'all', relata.metadata) })
    const text = textForm(true)

    app.get<Ladder>('/ladder/raw/:id', async function raw (request, reply) {
      const found = request.query.with === undefined
        ? plain.get(request.params.id) as string | undefined
        : (graph.get(request.params.id) as { graph: string } | undefined)?.graph
      return found === undefined ? reply.code(404).send('{}') : reply.type(JSON_TYPE).send(found)
    })

    app.get<Ladder>('/ladder/store/:id', async function store (request, reply) {
      const doc = await relata.store.get('Order', request.params.id,
        { text: true, bare: true, signal: connectionSignal(request) })
      return doc === undefined ? reply.code(404).send('{}') : reply.type(JSON_TYPE).send(docJson(doc))
    })

    app.get<Ladder>('/ladder/api/:id', async function entityApi (request, reply) {
      const read = request.query.with === undefined ? plainRead : allRead
      const found = await getTellingPending(api, reply, request.params.id, read, text, connectionSignal(request))
      return reply.type(JSON_TYPE).send(found)
    })
  }
}
