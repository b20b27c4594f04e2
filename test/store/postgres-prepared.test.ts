// The PostgreSQL store names its statements (prepared-names.ts): a connection parses each text
// once and then only binds it; texts past the capacity run unnamed; a statement prepared before
// another instance migrates the table (a new generated column read through `t0.*`) still answers.
import pg from 'pg'
import t from 'tap'
import { createPostgresStore } from '../../src/store/postgres/postgres-store.js'
import { PreparedNames } from '../../src/store/postgres/prepared-names.js'
import { migrate } from '../../src/store/postgres/schema.js'
import { openStore } from '../../src/store/open-store.js'
import type { StoreOptions } from '../../src/store/store.js'
import { createSchema, dropSchema, schemaUrl } from '../support/postgres.js'

const OPTIONS: StoreOptions = {
  entities: [{ name: 'author', refProperties: [] }, { name: 'post', refProperties: ['authorId'] }]
}

/** A store on a pool of one connection, and that pool, to look into the connection's session. */
type Teardown = { teardown: (fn: () => unknown) => void }

async function singleConnection (t: Teardown): Promise<{ pool: pg.Pool, schema: string }> {
  const schema = await createSchema()
  t.teardown(() => dropSchema(schema))
  const pool = new pg.Pool({ connectionString: schemaUrl(schema), max: 1 })
  const client = await pool.connect()
  await migrate(client, OPTIONS.entities)
  client.release()
  return { pool, schema }
}

t.test('a connection prepares each statement once and binds it on every later call', async t => {
  const { pool } = await singleConnection(t)
  const store = createPostgresStore(pool, OPTIONS)
  t.teardown(() => store.close())
  await store.upsertMany('post', [{ id: 'p1', authorId: 'a1' }, { id: 'p2', authorId: 'a1' }])
  t.same((await store.get('post', 'p1'))?.id, 'p1')
  t.same((await store.get('post', 'p2'))?.id, 'p2', 'the same text with other values')
  const { rows } = await pool.query('SELECT name, statement FROM pg_prepared_statements ORDER BY name')
  const texts = (rows as Array<{ name: string, statement: string }>).map(row => row.statement)
  t.equal(texts.filter(text => text.startsWith('SELECT body FROM "post" WHERE id = ')).length, 1,
    'one prepared statement for both gets')
  t.ok(rows.every(row => (row as { name: string }).name.startsWith('relata_')), 'named by the store')
})

t.test('a prepared graph statement still answers after another instance adds a column to its table', async t => {
  const { pool, schema } = await singleConnection(t)
  const store = createPostgresStore(pool, OPTIONS)
  t.teardown(() => store.close())
  await store.upsertMany('author', [{ id: 'a1', name: 'Ann' }])
  await store.upsertMany('post', [{ id: 'p1', authorId: 'a1', editorId: 'a1' }, { id: 'p2', authorId: 'a1' }])
  const plan = {
    hidden: [],
    parents: [],
    children: [
      { child: 'post', property: 'authorId', key: 'post.authorId', parentKey: 'id', limit: 1, below: { hidden: [] } }
    ],
    counts: []
  }
  const read = async () => await store.graphTexts!.page('author', { page: 1, size: 10 }, plan)
  const before = await read()
  const grown: StoreOptions = {
    entities: [OPTIONS.entities[0]!, { name: 'post', refProperties: ['authorId', 'editorId'] }]
  }
  const other = await openStore(schemaUrl(schema), grown)
  await other.close()
  t.same(await read(), before, 'the same graphs, read again through the prepared statement')
  t.match(before.graphs[0]!.text, /"post":\{"authorId":\[\{"id":"p1"/)
})

t.test('past its capacity, new texts run unnamed and the named ones keep their names', async t => {
  const names = new PreparedNames(2)
  const a = names.query('SELECT 1', [])
  t.same(names.query('SELECT 2', [1]), { name: 'relata_1', text: 'SELECT 2', values: [1] })
  t.same(names.query('SELECT 3', [2]), { text: 'SELECT 3', values: [2] }, 'the third text is not named')
  t.equal(names.query('SELECT 1', [3]).name, a.name, 'a named text keeps its name')
  t.equal(names.size, 2)
})
