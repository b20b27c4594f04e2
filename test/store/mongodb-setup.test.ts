// What the MongoDB store makes sure of at start-up (mongo-setup.ts, server-support.ts): every
// collection exists before the first write, a default collation is refused, indexes made
// beforehand under other names are used, and unsupported server versions stop the start.
import t from 'tap'
import { ConfigError } from '../../src/errors.js'
import { createMongoStore } from '../../src/store/mongodb/mongo-store.js'
import { checkServer } from '../../src/store/mongodb/server-support.js'
import type { StoreOptions } from '../../src/store/store.js'
import { MongoStandIn } from '../support/mongo-stand-in.js'
import { openOnStandIn } from '../support/mongo-stores.js'

const OPTIONS: StoreOptions = {
  entities: [
    { name: 'post', refProperties: ['authorId'] },
    { name: 'tag', refProperties: [] }
  ]
}

async function caught (promise: Promise<unknown>): Promise<Error> {
  return await promise.then(() => { throw new Error('expected a rejection') }, (error: unknown) => error as Error)
}

t.test('every collection is created at start-up, not by a first write inside a transaction', async t => {
  const standIn = new MongoStandIn()
  const store = await openOnStandIn(standIn, OPTIONS)
  t.teardown(() => store.close())
  t.same([...standIn.tables.keys()].sort(), ['post', 'relata:links', 'tag'], 'tag has no index, yet exists')
  const again = await openOnStandIn(standIn, OPTIONS)
  t.teardown(() => again.close())
  t.same([...standIn.tables.keys()].sort(), ['post', 'relata:links', 'tag'], 'a second start finds them')
})

t.test('a collection with a default collation is refused, naming it and the fix', async t => {
  const standIn = new MongoStandIn()
  standIn.table('tag')
  standIn.collectionOptions.set('tag', { collation: { locale: 'en', strength: 2 } })
  const error = await caught(createMongoStore(standIn.db, OPTIONS))
  t.ok(error instanceof ConfigError)
  t.match(error.message, /collection 'tag' has a default collation \(locale 'en'\).*recreate it without a collation/)
  standIn.collectionOptions.set('tag', { collation: { locale: 'simple' } })
  const store = await createMongoStore(standIn.db, OPTIONS)
  t.teardown(() => store.close())
})

t.test('an index of the same keys made beforehand under another name is used; a name on other keys is refused',
  async t => {
    const standIn = new MongoStandIn()
    await standIn.db.collection('post').createIndex({ authorId: 1, _id: 1 }, { name: 'by_author' })
    const store = await openOnStandIn(standIn, OPTIONS)
    t.teardown(() => store.close())
    t.same(standIn.indexes.get('post'), ['by_author'], 'no second index of the same keys')
    const other = new MongoStandIn()
    await other.db.collection('post').createIndex({ authorId: 1 }, { name: 'authorId_1__id_1' })
    const error = await caught(createMongoStore(other.db, OPTIONS))
    t.ok(error instanceof ConfigError)
    t.match(error.message, /index named 'authorId_1__id_1' on other keys than \{"authorId":1,"_id":1\}/)
  })

t.test('server versions: 5.0 or later, 5.1 or later on a sharded cluster', async t => {
  const replicaSet = { setName: 'rs0' }
  const mongos = { msg: 'isdbgrid' }
  for (const version of ['5.0.0', '6.0.14', '7.0.2', '8.0.4']) {
    t.doesNotThrow(() => checkServer({ version }, replicaSet), version)
  }
  t.doesNotThrow(() => checkServer({ version: '5.1.0' }, mongos))
  t.throws(() => checkServer({ version: '4.4.29' }, replicaSet), {
    name: 'ConfigError', message: /MongoDB 4\.4\.29, which is not supported: .*need MongoDB 5\.0 or later/
  })
  t.throws(() => checkServer({ version: '5.0.26' }, mongos), {
    message: /on a sharded cluster, relation filters and child lists .* needs MongoDB 5\.1 or later/
  })
  t.throws(() => checkServer({}, replicaSet), /reports no version/)
})
