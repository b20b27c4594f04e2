import t from 'tap'
import { build } from '../helper.js'

t.test('/docs/model embeds the diagram and serves Mermaid from the package', async t => {
  const app = await build(t)
  const page = await app.inject('/docs/model')
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /^text\/html/)
  t.match(page.body, /<pre id="model" class="mermaid">\nerDiagram\n/)
  t.match(page.body, 'Customer ||--o{ Order : "customerId"')
  t.notMatch(page.body, /<script>/, 'no inline script, so a strict CSP allows the page')
  t.notMatch(page.body, /https?:\/\/(?!)/, 'nothing from a CDN')
  const script = await app.inject('/docs/model/render.js')
  t.match(script.headers['content-type'], /^text\/javascript/)
  t.match(script.body, /mermaid\.run/)
  const mermaid = await app.inject('/docs/model/mermaid.min.js')
  t.equal(mermaid.statusCode, 200)
  t.ok(mermaid.body.length > 1_000_000, 'the whole bundle')
})

const READ = 'read-key-0123456789abcdef'
const ORDERS = 'orders-key-0123456789abcdef'

t.test('with keys, /docs/model stays public and shows what a typed-in key reaches', async t => {
  const app = await build(t, { env: { API_KEYS: `${READ}:read,${ORDERS}:read:Order+OrderItem` } })
  const page = await app.inject('/docs/model')
  t.equal(page.statusCode, 200, 'public, as /docs and /openapi.json')
  t.match(page.body, 'Customer ||--o{ Order : "customerId"', 'the whole model')
  t.match(page.body, /<form id="key-form">[\s\S]*<input id="api-key" type="password"/)
  t.notMatch(page.body, 'href="/api/_model"', 'no link that answers 401')

  const diagram = await app.inject({ url: '/api/_model/diagram', headers: { 'x-api-key': ORDERS } })
  t.equal(diagram.statusCode, 200)
  t.match(diagram.headers['content-type'], /^text\/vnd\.mermaid/)
  t.match(diagram.body, /^erDiagram\n {2}Order \|\|--o\{ OrderItem : "orderId"\n/)
  t.notMatch(diagram.body, /Customer|Product|Category/, 'only the key\'s entities')
  t.equal((await app.inject('/api/_model/diagram')).statusCode, 401)

  // the page's script, run against a minimal DOM whose fetch goes to the app
  const elements = new Map<string, FakeElement>()
  const element = (id: string) => elements.get(id) ?? elements.set(id, new FakeElement()).get(id)!
  const drawn: string[] = []
  const mermaid = {
    initialize () {},
    run ({ nodes }: { nodes: FakeElement[] }) {
      drawn.push(nodes[0]!.textContent)
      return Promise.resolve()
    }
  }
  const fetch = async (url: string, { headers }: { headers: Record<string, string> }) => {
    const res = await app.inject({ url, headers })
    const body = { text: async () => res.body, json: async () => res.json() }
    return { ok: res.statusCode < 300, status: res.statusCode, statusText: '', ...body }
  }
  const document = { getElementById: element, body: { dataset: {} as Record<string, string> } }
  const script = (await app.inject('/docs/model/render.js')).body
  // eslint-disable-next-line no-new-func -- the page's own script, run as the browser would
  new Function('document', 'mermaid', 'fetch', script)(document, mermaid, fetch)
  const submit = async (key: string) => {
    element('api-key').value = key
    await element('key-form').listeners.submit!({ preventDefault () {} })
  }
  await submit(ORDERS)
  t.equal(element('key-status').textContent, 'This key reaches Order, OrderItem.')
  t.equal(drawn.at(-1), diagram.body, 'the diagram is redrawn for the key')
  const shown = JSON.parse(element('model-json').textContent)
  t.same(shown.entities.map((e: { name: string }) => e.name), ['Order', 'OrderItem'])
  t.equal(element('model-json-box').hidden, false)
  await submit(READ)
  t.equal(element('key-status').textContent, 'This key reaches Category, Customer, Product, Order, OrderItem.')
  await submit('wrong-key-0123456789abcdef')
  t.equal(element('key-status').textContent, 'The server refused: the API key is not valid')
  await submit('')
  t.match(element('key-status').textContent, /^The server refused: this server needs an API key/)
})

class FakeElement {
  textContent = ''
  value = ''
  hidden = true
  listeners: Record<string, (event: unknown) => Promise<void>> = {}
  removeAttribute () {}
  addEventListener (type: string, listener: (event: unknown) => Promise<void>) { this.listeners[type] = listener }
}
