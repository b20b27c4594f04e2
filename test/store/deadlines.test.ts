// The one timer behind every store call's deadline (STORE_TIMEOUT_MS): each call expires no
// sooner than its own deadline, in the order calls started, settled calls never expire, and
// the timer holds the process open only while a call is pending.
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { Deadlines } from '../../src/store/deadlines.js'

const MS = 40

t.test('each pending call expires after its own deadline, in order; settled calls never', async t => {
  const deadlines = new Deadlines(MS)
  const expired: Array<{ call: number, after: number }> = []
  const started = new Map<number, number>()
  const pending = []
  for (let call = 0; call < 3000; call++) {
    started.set(call, performance.now())
    const deadline = deadlines.add(() => expired.push({ call, after: performance.now() - started.get(call)! }))
    // every third call is still running at its deadline; the others settle, some late in line
    if (call % 3 !== 0) pending.push(deadline)
    if (call === 1500) await sleep(MS / 2)
  }
  for (const deadline of pending.reverse()) deadlines.settle(deadline)
  await sleep(MS * 3)
  t.equal(expired.length, 1000, 'exactly the calls never settled expired')
  t.same(expired.map(e => e.call), Array.from({ length: 1000 }, (_, i) => i * 3), 'in the order they started')
  const first = expired[0]!.after.toFixed(1)
  t.ok(expired.every(e => e.after >= MS - 1), `none before its deadline (the first after ${first} ms)`)
  const second = deadlines.add(() => expired.push({ call: -1, after: 0 }))
  await sleep(MS * 2)
  t.equal(expired.at(-1)!.call, -1, 'a call after a quiet spell expires too')
  deadlines.settle(second)
})

t.test('a call settled at its deadline and an expiry adding calls are both handled once', async t => {
  const deadlines = new Deadlines(MS)
  let expiries = 0
  let later = 0
  const first = deadlines.add(() => {
    expiries++
    deadlines.add(() => later++)
  })
  await sleep(MS * 2)
  deadlines.settle(first)
  t.equal(expiries, 1, 'expired once; settling it afterwards changes nothing')
  await sleep(MS * 2)
  t.equal(later, 1, 'the call added by an expiry expires in its turn')
})

t.test('the timer holds the process open only while a call is pending', async t => {
  const deadlines = new Deadlines(60_000)
  const handles = (): number => process.getActiveResourcesInfo().filter(kind => kind === 'Timeout').length
  const before = handles()
  const deadline = deadlines.add(() => {})
  t.equal(handles(), before + 1, 'a pending call holds it')
  deadlines.settle(deadline)
  t.equal(handles(), before, 'a settled one does not')
  const again = deadlines.add(() => {})
  t.equal(handles(), before + 1, 'the next call holds the same timer again')
  deadlines.settle(again)
})
