// /docs/model: the model as an entity-relationship diagram, drawn in the browser by Mermaid.
// Mermaid's bundle is served from the installed package (no CDN), and the page has no inline
// script, so a strict Content-Security-Policy ('self') still lets it run.
import { createReadStream } from 'node:fs'
import { createRequire } from 'node:module'
import type { FastifyPluginAsync } from 'fastify'
import { erDiagram } from '../src/metadata/er-diagram.js'

const mermaidBundle = createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js')
const hidden = { schema: { hide: true } }

const RENDER = `// Draws the diagram once the page and Mermaid have loaded.
mermaid.initialize({ startOnLoad: false, theme: 'default', securityLevel: 'strict', er: { useMaxWidth: false } })
mermaid.run({ querySelector: '#model' }).then(
  () => { document.body.dataset.rendered = 'true' },
  (error) => { document.body.dataset.rendered = 'error'; console.error(error) }
)
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
<p>Each line is a reference from a child to its parent, labelled with the reference property. <a href="/docs">API docs</a> · <a href="/api/_model">/api/_model</a></p>
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
    return reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=86400').send(createReadStream(mermaidBundle))
  })
}

export default docsModel
