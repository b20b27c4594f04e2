// The README's client example, kept here so that `npm run typecheck` proves it compiles
// against the generated types. Run it against a server: `npx tsx examples/client-example.ts`.
import { createRelataClient, importLines, isGraph, stream } from '../openapi/client.js'

const api = createRelataClient('http://localhost:3000', { headers: { 'x-api-key': process.env.RELATA_API_KEY } })

const { data, error } = await api.GET('/api/orders/{id}', { params: { path: { id: 'ord-1' }, query: { with: 'all' } } })
if (error) throw new Error(error.detail)                 // problem+json, typed
if (isGraph(data)) {
  const parent = data.parents.customerId                 // Customer | CustomerGraph | null
  const customer = isGraph(parent) ? parent.entity : parent
  console.log(customer?.name, data.meta?.children?.['OrderItem.orderId']?.total)
}

await api.POST('/api/customers', { body: { name: 'Ada', email: 'ada@example.com' } })
await api.DELETE('/api/orders/{id}', { params: { path: { id: 'ord-1' } } })

for await (const item of stream(api, '/api/order-items/stream', { with: 'orderId' })) {
  console.log(item.parents.orderId)                      // each NDJSON line typed OrderItemGraph: with= was given
}

await api.PATCH('/api/orders/{id}', {                    // a typed OrderPatch: null removes a property
  params: { path: { id: 'ord-2' } },
  body: { status: 'paid' },
  headers: { 'content-type': 'application/merge-patch+json' }
})
const report = await importLines(api, '/api/customers/import', [{ name: 'Bo', email: 'bo@example.com' }])
console.log(report.stored, report.rejections)            // the lines are sent raw, one CustomerInput each
