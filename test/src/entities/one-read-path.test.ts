// The read of one document is one short path (issue #15): on every store and in every answer
// form, EntityApi.get and the route's getTellingPending add one async step to the store's own
// read (the plan's: its promise, and the one its await makes while a promise hook watches), for
// a 404 too, and answer what they answered before. Each promise is work and a microtask hop per
// GET; before, the path made 10 (the route's 14) through the plan's PlanRead and the async layers
// around it. A read refused before any round trip rejects too, as any read does.
import { createHook } from 'node:async_hooks'
import t from 'tap'
import type { FastifyReply } from 'fastify'
import { getTellingPending } from '../../../routes/pending-writes.js'
import { OBJECTS, SPLICED_TEXT, STRINGIFIED_TEXT, type AnswerForm } from '../../../src/graph/answer-form.js'
import { NotFoundError, RowBudgetError } from '../../../src/errors.js'
import { shop, STORES } from '../../support/shop.js'

/** Promises made while `read` runs to its end (its answer or its rejection). */
async function promisesOf (read: () => Promise<unknown>): Promise<number> {
  let made = 0
  const hook = createHook({ init (_id, type) { if (type === 'PROMISE') made++ } })
  hook.enable()
  try {
    await read().catch(() => undefined)
  } finally {
    hook.disable()
  }
  return made
}

const FORMS: Array<[string, AnswerForm<unknown>, { text: boolean, bare?: boolean }]> = [
  ['objects', OBJECTS, { text: false }],
  ['spliced text', SPLICED_TEXT, { text: true, bare: true }],
  ['stringified text', STRINGIFIED_TEXT, { text: false }]
]
const ADDED = 2
/** The route's reply: an entity that parks nothing never sets a header on it. */
const reply = {} as FastifyReply

for (const url of STORES) {
  t.test(`a GET of one document adds at most ${ADDED} promises to the store's read on ${url}`, async t => {
    // a budget no graph of an order fits in (CHILD_LIMIT 1000 items): plain documents only
    const app = await shop(t, url, { ROW_BUDGET: '500' })
    const api = app.relata.entity('Order')
    const signal = new AbortController().signal
    for (const [name, form, read] of FORMS) {
      const stored = await app.relata.store.get('Order', 'ord-1', { ...read, signal })
      t.same(await api.get('ord-1', { signal }, form), form.ofOne(stored!, undefined), `${name}: the document`)
      // warm: the first call of a path may make promises once (compilation, caches)
      await api.get('ord-2', { signal }, form)
      await getTellingPending(api, reply, 'ord-2', { signal }, form)
      const store = await promisesOf(() => app.relata.store.get('Order', 'ord-3', { ...read, signal }))
      const get = await promisesOf(() => api.get('ord-3', { signal }, form))
      const route = await promisesOf(() => getTellingPending(api, reply, 'ord-3', { signal }, form))
      t.ok(get - store <= ADDED, `${name}: EntityApi.get adds ${get - store} promises (store ${store})`)
      t.ok(route - store <= ADDED, `${name}: getTellingPending adds ${route - store} promises (store ${store})`)
      const missing = await promisesOf(() => api.get('nope', { signal }, form))
      t.ok(missing - store <= ADDED, `${name}: a 404 adds ${missing - store} promises`)
      await t.rejects(api.get('nope', { signal }, form), NotFoundError, `${name}: a 404 rejects, never throws`)
      const graph = { ...api.parse({ with: 'all' }), signal }
      await t.rejects(api.get('ord-1', graph, form), RowBudgetError, `${name}: over the budget: rejects, never throws`)
    }
  })
}
