// What operators read: load shedding is logged once per episode at warn, with the count of the
// requests refused, never once per request with a stack trace; a real fault keeps its stack.
import t from 'tap'
import { Writable } from 'node:stream'
import { openStore } from '../../src/store/open-store.js'
import type { FastifyBaseLogger } from 'fastify'
import { ShedLog } from '../../plugins/shed-log.js'
import { build } from '../helper.js'

interface Line { level: number, msg: string, shed?: number, reason?: string, err?: { stack?: string } }

function capture (): { lines: Line[], stream: Writable } {
  const lines: Line[] = []
  const stream = new Writable({
    write (chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split('\n')) if (text !== '') lines.push(JSON.parse(text) as Line)
      done()
    }
  })
  return { lines, stream }
}

t.test('a shedding episode is two warn lines with the count, whatever the number of refused requests', async t => {
  const { lines, stream } = capture()
  const app = await build(t, { logger: { level: 'info', stream }, env: { PRESSURE_MAX_HEAP_MB: '1' } })
  // under-pressure samples the heap once a second: wait for a sample over the 1 MB limit
  let res = await app.inject('/api/orders')
  for (let i = 0; i < 50 && res.statusCode !== 503; i++) {
    await new Promise(resolve => setTimeout(resolve, 100))
    res = await app.inject('/api/orders')
  }
  t.equal(res.statusCode, 503, 'the server sheds')
  for (let i = 0; i < 9; i++) t.equal((await app.inject('/api/orders')).statusCode, 503)
  await app.close()
  const warnings = lines.filter(line => line.level === 40)
  t.same(warnings.map(line => line.msg), [
    'shedding load: requests are answered 503 overloaded until the pressure drops',
    'load shedding ended: 10 requests refused'
  ])
  t.equal(warnings[1]!.shed, 10, 'the count is a field too')
  t.same(lines.filter(line => line.level >= 50), [], 'no error line, no stack trace')
})

t.test('an episode ends once no request was refused for the quiet time; the next refusal opens another', async t => {
  const logged: Array<[unknown, string]> = []
  const log = { warn: (fields: unknown, msg: string) => logged.push([fields, msg]) } as unknown as FastifyBaseLogger
  const shedLog = new ShedLog(log, 50)
  for (let i = 0; i < 3; i++) shedLog.shed('the event loop lags 300 ms')
  await new Promise(resolve => setTimeout(resolve, 150))
  shedLog.shed('the event loop lags 400 ms')
  shedLog.end()
  t.match(logged, [
    [{ reason: 'the event loop lags 300 ms' }, /^shedding load/],
    [{ shed: 3 }, 'load shedding ended: 3 requests refused'],
    [{ reason: 'the event loop lags 400 ms' }, /^shedding load/],
    [{ shed: 1 }, 'load shedding ended: 1 requests refused']
  ])
  t.equal(logged.length, 4)
})

t.test('a real fault is logged at error with its stack', async t => {
  const { lines, stream } = capture()
  const app = await build(t, {
    logger: { level: 'info', stream },
    openStore: async (url, options) => {
      const store = await openStore(url, options)
      store.get = async () => { throw new Error('disk on fire') }
      return store
    }
  })
  const res = await app.inject('/api/orders/x')
  t.equal(res.statusCode, 500)
  const faults = lines.filter(line => line.level === 50)
  t.equal(faults.length, 1, 'one error line for the fault')
  t.match(faults[0]!.err?.stack, /disk on fire\n\s+at /, 'with its stack trace')
})
