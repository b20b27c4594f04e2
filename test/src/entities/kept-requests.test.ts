// A parsed read request that its caller keeps frozen and shares, as the GET route keeps one per
// query string, read with each read's own signal given beside it (EntityApi.get): its checks and
// plan are made once, yet every read answers as a fresh request would, a read whose caller left
// is cancelled without touching the reads after it, and a refused request is refused each time.
// On every store, with graphs built by the batched builder and (SQLite) by the store itself.
import t from 'tap'
import { CancelledError, NotFoundError, RowBudgetError } from '../../../src/errors.js'
import { SPLICED_TEXT } from '../../../src/graph/answer-form.js'
import { shop, STORES } from '../../support/shop.js'

const PLANS = [['batched', 'false'], ['store-built', 'true']] as const
const QUERIES = [{}, { with: 'all', fields: 'id,status', 'limit[OrderItem]': '2' }]

function left (): AbortSignal {
  const controller = new AbortController()
  controller.abort()
  return controller.signal
}

for (const url of STORES) {
  for (const [plan, inStore] of PLANS) {
    if (inStore === 'true' && !url.startsWith('sqlite')) continue
    t.test(`${url}, ${plan} graphs: a kept request reads with the signal given beside it`, async t => {
      // a budget no graph of an order with all its items fits in (CHILD_LIMIT 1000)
      const app = await shop(t, url, { GRAPHS_IN_STORE: inStore, ROW_BUDGET: '500' })
      const api = app.relata.entity('Order')
      for (const raw of QUERIES) {
        const kept = Object.freeze(api.parse(raw))
        const name = JSON.stringify(raw)
        // a request that is not frozen gets no kept reader: the answer to compare with
        const fresh = await api.get('ord-1', { ...kept }, SPLICED_TEXT)
        t.equal(await api.get('ord-1', kept, SPLICED_TEXT, new AbortController().signal), fresh,
          `${name}: answers as a fresh request`)
        await t.rejects(api.get('ord-2', kept, SPLICED_TEXT, left()), CancelledError,
          `${name}: a read whose caller left is cancelled`)
        t.equal(await api.get('ord-1', kept, SPLICED_TEXT, new AbortController().signal), fresh,
          `${name}: the next read, with a signal of its own, answers`)
        t.equal(await api.get('ord-1', kept, SPLICED_TEXT), fresh, `${name}: so does one without a signal`)
        await t.rejects(api.get('nope', kept, SPLICED_TEXT, new AbortController().signal), NotFoundError,
          `${name}: an id that does not exist is a NotFoundError`)
        // the signal inside a kept request is its own reads', unless one is given beside it
        const withSignal = Object.freeze({ ...kept, signal: left() })
        await t.rejects(api.get('ord-1', withSignal, SPLICED_TEXT), CancelledError, `${name}: the request's signal`)
        t.equal(await api.get('ord-1', withSignal, SPLICED_TEXT, new AbortController().signal), fresh,
          `${name}: a signal beside it replaces the request's`)
      }
      const over = Object.freeze(api.parse({ with: 'all' }))
      for (const attempt of ['first', 'second']) {
        await t.rejects(api.get('ord-1', over, SPLICED_TEXT, new AbortController().signal), RowBudgetError,
          `with=all over the budget is refused, the ${attempt} time too`)
      }
    })
  }
}
