// SQLite's read of one graph (a GET with `with`, GRAPHS_IN_STORE) is its statement's one column
// and the frame and timeout around it (issue #15): the adapter adds no async layer of its own,
// unmarks the text where it reads it, and answers at once, so the store's read of a graph makes no
// more promises than its point read of a document (before: 12 against 10, an async adapter call
// awaiting the reader; now 3 each). A cut child list still answers its `next` link and never
// the mark the statement writes into the text.
import { createHook } from 'node:async_hooks'
import t from 'tap'
import type { GraphPlan } from '../../src/store/graph-plan.js'
import { shop } from '../support/shop.js'

/** Promises made while `read` runs to its end. */
async function promisesOf (read: () => Promise<unknown>): Promise<number> {
  let made = 0
  const hook = createHook({ init (_id, type) { if (type === 'PROMISE') made++ } })
  hook.enable()
  try {
    await read()
  } finally {
    hook.disable()
  }
  return made
}

/** `with=OrderItem.orderId` on Order: its items, at most `limit`. */
function itemsPlan (limit: number): GraphPlan {
  const items = { child: 'OrderItem', property: 'orderId', parentKey: 'id', key: 'OrderItem.orderId' }
  return { hidden: [], parents: [], children: [{ ...items, limit, below: { hidden: [] } }], counts: [] }
}

t.test("SQLite's read of one graph makes no more promises than a point read, found or not", async t => {
  const app = await shop(t, 'sqlite::memory:', { GRAPHS_IN_STORE: 'true' })
  const texts = app.relata.store.graphTexts!
  const plan = itemsPlan(1000)
  const signal = new AbortController().signal
  // warm: a plan's first read writes and prepares its statement
  const first = await texts.one('Order', 'ord-1', plan, { signal })
  t.equal(first?.cut, false, 'a list that fits is not cut')
  t.equal(JSON.parse(first!.text).children.OrderItem.orderId.length, 8, 'every item of the order')
  await app.relata.store.get('Order', 'ord-1', { signal, text: true })
  const point = await promisesOf(() => app.relata.store.get('Order', 'ord-2', { signal, text: true }))
  const found = await promisesOf(() => texts.one('Order', 'ord-2', plan, { signal }))
  const missing = await promisesOf(() => texts.one('Order', 'nope', plan, { signal }))
  t.ok(found <= point, `a found graph: ${found} promises (the point read: ${point})`)
  t.ok(missing <= point, `a missing one: ${missing} promises`)
  t.equal(await texts.one('Order', 'nope', plan, { signal }), undefined, 'nothing for an unknown id')
})

t.test('a cut list comes out of SQLite unmarked, and the GET answers its next link', async t => {
  const app = await shop(t, 'sqlite::memory:', { GRAPHS_IN_STORE: 'true' })
  const cut = await app.relata.store.graphTexts!.one('Order', 'ord-1', itemsPlan(2))
  t.equal(cut?.cut, true, 'the store tells the list is cut')
  t.notOk(cut!.text.includes('\u0001'), 'without the mark the statement wrote')
  const res = await app.inject({ method: 'GET', url: '/api/orders/ord-1?with=OrderItem&limit[OrderItem]=2' })
  t.equal(res.statusCode, 200)
  t.notOk(res.body.includes('\u0001'), 'no mark in the answer')
  const page = res.json().meta.children['OrderItem.orderId']
  t.match(page, { total: 8, returned: 2 }, 'two of the eight items')
  const rest = await app.inject({ method: 'GET', url: page.next })
  t.equal(rest.statusCode, 200, 'whose link answers')
  const shown = res.json().children.OrderItem.orderId.map((item: { id: string }) => item.id)
  const after = rest.json().map((item: { id: string }) => item.id)
  t.equal(after.length, 6, 'the other six items')
  t.notOk(after.some((id: string) => shown.includes(id)), 'none of them shown already')
  t.notOk('last' in page || 'held' in page, 'what the link was made from is not shown')
})
