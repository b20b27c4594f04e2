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
