import { buildApp, type MeasuredPart } from '../plugins/app.js'
import { loadConfig } from '../src/config.js'
import { parseQuery } from '../src/entities/query.js'
const file = process.argv[2]!
const N = Number(process.argv[3] ?? 20000)
const variants: Array<[string, MeasuredPart[]]> = [['all', []], ['none', ['security-headers', 'query-names', 'validation', 'compression', 'close-connections', 'metrics', 'store-timeout']]]
for (const [label, without] of variants) {
  const config = loadConfig({ DATABASE_URL: `sqlite:${file}`, LOG_LEVEL: 'silent', SEED: 'false', PRESSURE_MAX_EVENT_LOOP_DELAY_MS: label === 'all' ? '1000' : '0' })
  const app = await buildApp(config, { logger: false, without: new Set(without) })
  const api = app.relata.entity('Order')
  const meta = app.relata.metadata.entity('Order')
  const ids = Array.from({ length: 10000 }, (_, i) => `ord-${1 + ((i * 7919) % 10000)}`)
  async function time (name: string, fn: (id: string) => Promise<unknown>): Promise<void> {
    for (let i = 0; i < N / 4; i++) await fn(ids[i % ids.length]!)
    const c0 = process.cpuUsage(); const t0 = performance.now()
    for (let i = 0; i < N; i++) await fn(ids[i % ids.length]!)
    const c = process.cpuUsage(c0)
    console.log(label.padEnd(5), name.padEnd(36), ((c.user + c.system) / N).toFixed(1).padStart(7), 'µs cpu', ((performance.now() - t0) * 1000 / N).toFixed(1).padStart(7), 'µs wall')
  }
  const query = { with: 'all' }
  await time('store.get', id => app.relata.store.get('Order', id, { text: true }))
  await time('api.getJson with=all', async id => {
    const { selection, ...parsed } = parseQuery(meta, query, app.relata.metadata)
    return await api.getJson(id, selection, { ...parsed, text: true })
  })
  await time('api.getJson with=all +signal', async id => {
    const { selection, ...parsed } = parseQuery(meta, query, app.relata.metadata)
    return await api.getJson(id, selection, { ...parsed, text: true, signal: new AbortController().signal })
  })
  await time('inject GET ?with=all', async id => {
    const r = await app.inject({ url: `/api/orders/${id}?with=all` })
    if (r.statusCode !== 200) throw new Error(r.body)
  })
  await time('inject GET plain', async id => {
    const r = await app.inject({ url: `/api/orders/${id}` })
    if (r.statusCode !== 200) throw new Error(r.body)
  })
  await app.close()
}
