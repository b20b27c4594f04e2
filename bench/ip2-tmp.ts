import { buildApp } from '../plugins/app.js'
import { loadConfig } from '../src/config.js'
import { parseQuery } from '../src/entities/query.js'
const file = process.argv[2]!
const N = Number(process.argv[3] ?? 20000)
const config = loadConfig({ DATABASE_URL: `sqlite:${file}`, LOG_LEVEL: 'silent', SEED: 'false' })
const app = await buildApp(config, { logger: false })
const api = app.relata.entity('Order')
const meta = app.relata.metadata.entity('Order')
const ids = Array.from({ length: 10000 }, (_, i) => `ord-${1 + ((i * 7919) % 10000)}`)
const query = { with: 'all' }
const fn = async (id: string) => {
  const { selection, ...parsed } = parseQuery(meta, query, app.relata.metadata)
  return await api.getJson(id, selection, { ...parsed, text: true, signal: new AbortController().signal })
}
const c0 = process.cpuUsage()
for (let i = 0; i < N; i++) await fn(ids[i % ids.length]!)
const c = process.cpuUsage(c0)
console.log(((c.user + c.system) / N).toFixed(1), 'µs cpu')
await app.close()
