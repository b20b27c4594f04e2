// The healer and references through parent keys, on its own: a poke naming only ids (another
// instance's write, a new link) reads those parents once to learn their key values, then heals
// what waits on them; a poke for an entity nothing waits on by key reads nothing.
import t from 'tap'
import { Healer } from '../../../src/integrity/healer.js'
import { parkedRecord } from '../../../src/integrity/parked.js'
import { buildMetadata, storeEntities } from '../../../src/relata.js'
import { createMemoryStore } from '../../../src/store/memory/memory-store.js'
import { keyRefsModel } from '../../key-refs-model.js'

const metadata = buildMetadata(keyRefsModel)

t.test('a poke by id reads the parents once for their keys, then heals what waits on them', async t => {
  const ops: string[] = []
  const onQuery = (entity: string, op: string) => { ops.push(`${op} ${entity}`) }
  const store = createMemoryStore({ entities: storeEntities(metadata), onQuery })
  const missing = [{ property: 'shopCode', target: 'Shop', key: 'code', value: 'OSL' }]
  const parkedAt = new Date().toISOString()
  await store.upsertMany('Parked_Sale', [parkedRecord({ id: 'x1', shopCode: 'OSL' }, missing, 'r1', parkedAt)])
  await store.upsertMany('Shop', [{ id: 's1', code: 'OSL' }])
  const healer = new Healer(metadata, store, { batchSize: 10, maxAgeMs: 60_000 })
  ops.length = 0
  t.equal(await healer.poke('Shop', ['s1']), 1)
  t.same(ops, ['getMany Shop', 'stream Parked_Sale', 'getManyByKey Shop', 'moveMany Sale'])
  t.same(await store.get('Sale', 'x1'), { id: 'x1', shopCode: 'OSL' })
  t.equal(healer.stored('Shop', [{ id: 's2', code: 'BGO' }]), undefined, 'nothing waits any more')
  healer.parked('Sale', 1)
  ops.length = 0
  t.equal(await healer.stored('Shop', [{ id: 's2', code: 'BGO' }]), 0, 'stored documents are not read again')
  t.same(ops, ['stream Parked_Sale'])
})
