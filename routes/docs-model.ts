// /docs/model: the model as an entity-relationship diagram, drawn in the browser by Mermaid.
// Mermaid's bundle is served from the installed package (no CDN), and the page has no inline
// script, so a strict Content-Security-Policy ('self') still lets it run. The page is public,
// as /docs and /openapi.json are: it shows the model's shape, never data. With an API key typed
// into it, it fetches /api/_model and its diagram with the key, and shows what the key reaches.
import { createReadStream } from 'node:fs'
import { createRequire } from 'node:module'
import type { FastifyPluginAsync } from 'fastify'
import { erDiagram } from '../src/metadata/er-diagram.js'

const mermaidBundle = createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js')
const hidden = { schema: { hide: true } }

const RENDER = `// Draws the diagram once the page and Mermaid have loaded; redraws it for an API key.
mermaid.initialize({ startOnLoad: false, theme: 'default', securityLevel: 'strict', er: { useMaxWidth: false } })
const diagram = document.getElementById('model')
function draw () {
  return mermaid.run({ nodes: [diagram] }).then(
    () => { document.body.dataset.rendered = 'true' },
    (error) => { document.body.dataset.rendered = 'error'; console.error(error) }
  )
}
draw()

// The key stays in this page: sent as X-API-Key to /api/_model, never stored.
async function fetchWithKey (url, key, accept) {
  const headers = { accept }
  if (key !== '') headers['x-api-key'] = key
  const res = await fetch(url, { headers })
  if (!res.ok) {
    const problem = await res.json().catch(() => ({}))
    throw new Error(problem.detail || res.status + ' ' + res.statusText)
  }
  return await res.text()
}

document.getElementById('key-form').addEventListener('submit', async function showForKey (event) {
  event.preventDefault()
  const key = document.getElementById('api-key').value.trim()
  const status = document.getElementById('key-status')
  status.textContent = 'Loading…'
  try {
    const [text, json] = await Promise.all([
      fetchWithKey('/api/_model/diagram', key, 'text/vnd.mermaid'),
      fetchWithKey('/api/_model', key, 'application/json')
    ])
    const model = JSON.parse(json)
    document.getElementById('model-json').textContent = JSON.stringify(model, null, 2)
    document.getElementById('model-json-box').hidden = false
    diagram.removeAttribute('data-processed')
    diagram.textContent = text
    document.body.dataset.rendered = 'pending'
    await draw()
    status.textContent = 'This key reaches ' + model.entities.map(e => e.name).join(', ') + '.'
  } catch (error) {
    status.textContent = 'The server refused: ' + error.message
  }
})
`

function page (diagram: string, title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>${title} — model</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}pre#model{background:none}</style>
</head>
<body>
<h1>${title}: the model</h1>
<p>Each line is a reference from a child to its parent, labelled with the reference property.
<a href="/docs">API docs</a></p>
<form id="key-form">
<label>API key
<input id="api-key" type="password" autocomplete="off" placeholder="empty when the server has no keys"></label>
<button type="submit">Show what this key reaches</button>
<span id="key-status" role="status"></span>
</form>
<details id="model-json-box" hidden><summary>/api/_model</summary><pre id="model-json"></pre></details>
<pre id="model" class="mermaid">
${escapeHtml(diagram)}</pre>
<script src="/docs/model/mermaid.min.js"></script>
<script src="/docs/model/render.js"></script>
</body>
</html>
`
}

function escapeHtml (text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

const docsModel: FastifyPluginAsync = async function docsModel (app) {
  const html = page(erDiagram(app.relata.metadata), 'Relata')
  app.get('/docs/model', hidden, async function modelPage (_request, reply) {
    return reply.type('text/html; charset=utf-8').send(html)
  })
  app.get('/docs/model/render.js', hidden, async function renderScript (_request, reply) {
    return reply.type('text/javascript; charset=utf-8').send(RENDER)
  })
  app.get('/docs/model/mermaid.min.js', hidden, async function mermaidScript (_request, reply) {
    return reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=86400')
      .send(createReadStream(mermaidBundle))
  })
}

export default docsModel
