// A parked record that would break a unique key where it moves (a value taken while it waited)
// no longer stops its batch, on every store: it is reported as a conflict (metric and log) and
// stays parked, the others heal, and the healer's run ends instead of failing on every pass.
import t from 'tap'
import { keyRefsModel } from '../key-refs-model.js'
import { send, stores } from './keys-apps.js'

for (const [name, open] of Object.entries(stores)) {
  t.test(`${name}: a record that conflicts on healing stays parked, the rest of its batch heals`, async t => {
    const app = await open(t, keyRefsModel)
    await send(app, 'POST', '/api/products', { id: 'pa', sku: 'A' })
    const parked = await send(app, 'POST', '/api/order-lines', [
      { id: 'l2', productSku: 'B', lineNo: 'n1' }, { id: 'l3', productSku: 'B', lineNo: 'n3' },
      { id: 'l4', productSku: 'B', lineNo: 'n4' }
    ])
    t.equal(parked.status, 202)
    // the line number is taken while l2 waits for its product
    t.equal((await send(app, 'POST', '/api/order-lines', { id: 'l1', productSku: 'A', lineNo: 'n1' })).status, 201)
    await send(app, 'POST', '/api/products', { id: 'pb', sku: 'B' })
    await app.healer!.settled()
    t.same((await send(app, 'GET', '/api/order-lines?sort=id')).body.map((l: { id: string }) => l.id),
      ['l1', 'l3', 'l4'], 'the others healed')
    t.same((await send(app, 'GET', '/api/_parked/order-lines')).body.map((l: { id: string }) => l.id), ['l2'])
    const metrics = (await app.inject('/metrics')).body
    t.match(metrics, /relata_heal_conflicts_total\{entity="OrderLine"\} 1\b/)
    t.match(metrics, /relata_healed_total\{entity="OrderLine"\} 2\b/)
    t.equal(await app.healer!.run(), 0, 'a sweep ends: it reports the conflict again and moves nothing')
    t.match((await app.inject('/metrics')).body, /relata_heal_conflicts_total\{entity="OrderLine"\} 2\b/)

    await send(app, 'PATCH', '/api/order-lines/l1', { lineNo: 'n9' })
    t.equal(await app.healer!.run(), 1, 'once the value is free, the record heals')
    t.same((await send(app, 'GET', '/api/order-lines/l2')).body, { id: 'l2', productSku: 'B', lineNo: 'n1' })
  })
}
