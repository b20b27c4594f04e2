// A file made by an earlier version opens with its indexes rebuilt (issue #12: 88 s per 100,000
// orders): the server says what it builds, on which table and how many rows, before it starts
// and how long it took after, and a SIGTERM meanwhile stops it at once, the file left as it was
// (the build runs in a worker thread, so the main thread handles the signal even as a
// container's PID 1). The file is the sample model's, its Order indexes defined as an earlier
// version could have (on id alone), with 60,000 orders written by SQL: about a second to build.
import t, { type Test } from 'tap'
import Database from 'better-sqlite3'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildMetadata, storeEntities } from '../../src/relata.js'
import { sampleModel } from '../../src/sample/sample-model.js'
import { openStore } from '../../src/store/open-store.js'
import { launch, send, startServer, text } from './server-process.js'

const ORDERS = 60_000

/** The Order indexes of the file, by name, with their definitions. */
function orderIndexes (file: string): Map<string, string> {
  const db = new Database(file, { readonly: true })
  try {
    const rows = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'Order' " +
      'AND sql IS NOT NULL ORDER BY name').all() as Array<{ name: string, sql: string }>
    return new Map(rows.map(row => [row.name, row.sql]))
  } finally {
    db.close()
  }
}

async function earlierFile (t: Test): Promise<{ file: string, indexes: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'relata-index-build-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'shop.db')
  const store = await openStore(`sqlite:${file}`, { entities: storeEntities(buildMetadata(sampleModel)) })
  await store.close()
  const indexes = [...orderIndexes(file).keys()]
  const db = new Database(file)
  for (const name of indexes) db.exec(`DROP INDEX "${name}"`)
  db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ORDERS})
    INSERT INTO "Order" (id, doc) SELECT 'ord-' || i, json_object('id', 'ord-' || i,
      'customerId', 'cust-' || (i % 20 + 1), 'status', CASE i % 4 WHEN 0 THEN 'open' WHEN 1 THEN 'paid'
      WHEN 2 THEN 'shipped' ELSE 'cancelled' END, 'total', i * 0.5,
      'createdAt', strftime('%Y-%m-%dT%H:%M:%fZ', 1700000000 + i, 'unixepoch')) FROM n`)
  for (const name of indexes) db.exec(`CREATE INDEX "${name}" ON "Order" (id)`)
  db.close()
  return { file, indexes }
}

interface LogLine { msg: string, indexes?: unknown, ms?: number }

function logLines (output: string): LogLine[] {
  return output.split('\n').filter(line => line.startsWith('{')).map(line => JSON.parse(line) as LogLine)
}

t.test('indexes rebuilt at the first start on an earlier version\'s file', async t => {
  const { file, indexes } = await earlierFile(t)
  t.equal(indexes.length, 5, 'the sample Order has 5 indexes: its reference and 4 declared')
  const earlier = orderIndexes(file)
  let stopMs = 0

  t.test('SIGTERM while they are built stops the server at once, the file left as it was', async t => {
    const server = launch(t, file, { SEED: 'false' })
    await server.waitFor(/building 5 indexes/)
    const started = performance.now()
    const exited = once(server.child, 'exit')
    server.child.kill('SIGTERM')
    const [code] = await exited as [number | null]
    stopMs = performance.now() - started
    t.equal(code, 0, 'exit code 0')
    t.ok(stopMs < 2000, `exited ${stopMs.toFixed(0)} ms after the signal`)
    t.match(server.output(), /SIGTERM during start-up: stopped before listening/)
    t.notMatch(server.output(), /built 5 indexes|Server listening/, 'neither built nor listening')
    t.same(orderIndexes(file), earlier, 'the build was rolled back: the earlier definitions are there')
  })

  t.test('the next start says what it builds and how long it took, then serves', async t => {
    const server = await startServer(t, file, { SEED: 'false' })
    const lines = logLines(server.output())
    const before = lines.findIndex(line => /building 5 indexes/.test(line.msg))
    const after = lines.findIndex(line => /built 5 indexes in \d+\.\d s/.test(line.msg))
    const listening = lines.findIndex(line => /Server listening/.test(line.msg))
    t.ok(before >= 0 && before < after && after < listening, 'before, after, then listening')
    t.match(lines[before]!.msg, /Order \(60,000 rows\): Order_by_customerId_id, Order_idx_status, /,
      'what, on which table, how many rows')
    const [built] = lines[before]!.indexes as Array<{ entity: string, rows: number, indexes: string[] }>
    t.same({ ...built, indexes: built?.indexes.toSorted() }, { entity: 'Order', rows: ORDERS, indexes })
    const buildMs = lines[after]!.ms!
    t.type(buildMs, 'number')
    t.ok(stopMs < buildMs, `SIGTERM took ${stopMs.toFixed(0)} ms, the build ${buildMs} ms: it did not wait`)
    for (const [name, sql] of orderIndexes(file)) t.not(sql, earlier.get(name), `${name} rebuilt`)

    const filter = encodeURIComponent(JSON.stringify({ status: 'paid' }))
    const res = await send(`${server.base}/api/orders?filter=${filter}&size=2&sort=-createdAt`)
    const body = JSON.parse(await text(res)) as Array<{ id: string }>
    t.equal(res.statusCode, 200)
    t.same(body.map(order => order.id), [`ord-${ORDERS - 3}`, `ord-${ORDERS - 7}`], 'served through the new indexes')
    const exited = once(server.child, 'exit')
    server.child.kill('SIGTERM')
    t.same(await exited, [0, null], 'a graceful stop once listening')
  })

  t.test('a start on the built file builds nothing and says nothing of it', async t => {
    const server = await startServer(t, file, { SEED: 'false' })
    t.notMatch(server.output(), /indexes/)
    const exited = once(server.child, 'exit')
    server.child.kill('SIGTERM')
    await exited
  })
})
