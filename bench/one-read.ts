// What EntityApi's read of one document costs over the store's own read (issue #15), in one
// process: the app's store (timeout, frame, adapter) reading an order as a plain GET does, then
// EntityApi.get as the route calls it (getTellingPending, JSON text spliced from stored text),
// plain and `with=all` (the graph the store builds as text). Sequential awaited calls in
// interleaved blocks, so that a busy machine skews every variant alike; CPU µs per call, and
// what EntityApi adds to the store's read. `npx tsx bench/one-read.ts` (BENCH_ONE_READ_BLOCKS
// blocks of 2,000 calls, default 40). Under tsx, esbuild names every closure as it is made
// (`__name`), which the compiled server never does: quote figures of the compiled bench (tsc to
// a folder, as bench/lib/child.ts compiles servers), as for bench/store-call.ts.
import type { FastifyReply } from 'fastify'
import { loadavg } from 'node:os'
import { buildApp } from '../plugins/app.js'
import { getTellingPending } from '../routes/pending-writes.js'
import { loadConfig } from '../src/config.js'
import { SPLICED_TEXT } from '../src/graph/answer-form.js'
import { benchMain } from './lib/bench-main.js'
import { dataset } from './lib/dataset.js'
import { markdownTable } from './lib/table.js'

const ORDERS = 10_000
const BLOCK = 2000
const BLOCKS = Number(process.env.BENCH_ONE_READ_BLOCKS ?? 40)

type Read = (id: string) => Promise<unknown>

benchMain('one-read', 10, async function main () {
  const data = await dataset(ORDERS)
  const app = await buildApp(loadConfig({ DATABASE_URL: data.url, LOG_LEVEL: 'silent', SEED: 'false' }),
    { logger: false })
  try {
    const { relata } = app
    const api = relata.entity('Order')
    const signal = new AbortController().signal
    // the parsed requests as the route keeps them (frozen, per query string), the signal beside them
    const plain = Object.freeze(api.parse({}))
    const all = Object.freeze(api.parse({ with: 'all' }))
    // Order parks nothing: the route never sets a header on its reply
    const reply = {} as FastifyReply
    const bare = { text: true, bare: true, signal }
    const variants: Array<{ name: string, read: Read }> = [
      { name: 'store get (as the plain GET reads)', read: id => relata.store.get('Order', id, bare) },
      { name: 'EntityApi, plain', read: id => getTellingPending(api, reply, id, plain, SPLICED_TEXT, signal) },
      { name: 'EntityApi, with=all', read: id => getTellingPending(api, reply, id, all, SPLICED_TEXT, signal) }
    ]
    const ids = Array.from({ length: 1000 }, (_, i) => `ord-${1 + ((i * 7919) % ORDERS)}`)
    const micros = variants.map(() => 0)
    let next = 0
    for (let block = -1; block < BLOCKS; block++) {
      for (const [v, { read }] of variants.entries()) {
        const start = process.cpuUsage()
        for (let i = 0; i < BLOCK; i++) await read(ids[next++ % ids.length]!)
        const used = process.cpuUsage(start)
        if (block >= 0) micros[v]! += used.user + used.system // block -1 warms up
      }
    }
    const perCall = micros.map(total => total / (BLOCK * BLOCKS))
    const load = loadavg().map(n => n.toFixed(2)).join(', ')
    console.log(`### One order read through EntityApi, ${BLOCKS} interleaved blocks of ` +
      `${BLOCK.toLocaleString('en-US')} sequential calls, load average ${load}\n`)
    console.log(markdownTable(['variant', 'CPU µs / call', 'over the store µs'],
      variants.map((variant, v) => [variant.name, perCall[v]!, v === 2 ? '—' : perCall[v]! - perCall[0]!])))
  } finally {
    await app.close()
  }
})
