// Messages and the OpenAPI document give examples from the model being served, never the
// sample shop's relationships (customerId, OrderItem, regionId).
import t from 'tap'
import { build, libraryModel } from '../helper.js'

t.test('with and depth errors give paths of the served model', async t => {
  const app = await build(t, { model: libraryModel })
  const unknown = await app.inject('/api/reviews?with=nope')
  t.equal(unknown.statusCode, 400)
  t.equal(unknown.json().detail,
    "unknown relationship 'nope' in with; Review accepts all, bookId, and paths through them (bookId.authorId)")
  const depth = await app.inject('/api/reviews?with=bookId&depth=2')
  t.equal(depth.statusCode, 400)
  t.equal(depth.json().detail, 'depth extends with=all; name the path instead (with=bookId.authorId)')
  const lonely = await app.inject('/api/employees?with=nope')
  t.equal(lonely.json().detail, "unknown relationship 'nope' in with; Employee accepts all, managerId, Employee, " +
    'Employee.managerId, and paths through them (managerId.managerId)')
})

t.test('the OpenAPI document names only the served model', async t => {
  const app = await build(t, { model: libraryModel })
  const spec = (await app.inject('/openapi.json')).body
  for (const sample of ['customerId', 'regionId', 'OrderItem', 'order-items', 'ord-1', 'quantity']) {
    t.notOk(spec.includes(sample), `no ${sample}`)
  }
  t.match(spec, /`bookId\.authorId`/, 'with paths of this model')
})
