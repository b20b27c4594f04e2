// Answers written from stored text against the general path, byte for byte, on every store, for
// a model with hidden properties (parsed to drop them), null, missing and dangling references and
// unusual JSON values. The generator and the check are in test/support/text-answers.ts.
import t from 'tap'
import { appPair, compareAll, HIDDEN, hiddenModel, STORES } from '../support/text-answers.js'

for (const url of STORES) {
  t.test(`hidden properties and unusual JSON on ${url}: the same bytes, nothing hidden leaks`, async t => {
    await compareAll(t, url, hiddenModel, HIDDEN, 51)
    const [fast] = await appPair(t, url, hiddenModel)
    const res = await fast.inject('/api/orders?with=all&depth=2&size=50')
    t.equal(res.statusCode, 200)
    t.notMatch(res.body, /"secret"|"cost"/, 'no hidden property in graphs read as text')
  })
}

t.test('text answers keep a stored document exactly as it was written', async t => {
  const [fast] = await appPair(t, 'sqlite-file', hiddenModel)
  const res = await fast.inject('/api/orders/o00?with=all')
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
  const graph = res.json() as { entity: Record<string, unknown>, children: { OrderItem: { orderId: unknown[] } } }
  t.same(graph.entity, { id: 'o00', total: 1e21, extra: { nested: [1, { deep: 'x\u2028y' }], empty: {}, none: null } })
  t.equal(graph.children.OrderItem.orderId.length, 4)
  t.match(res.body, /"entity":\{"id":"o00","total":1e\+21,"extra":\{"nested":\[1,\{"deep":"x\u2028y"\}\]/)
})
