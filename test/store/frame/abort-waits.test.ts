// Store calls on one caller's signal (a connection's, shared by every read of its requests) wait
// on it through one 'abort' listener, however many there are: each call costs the signal no
// listener of its own, and an abort still cancels every call waiting then, on each store.
import t from 'tap'
import { getEventListeners } from 'node:events'
import { CancelledError } from '../../../src/errors.js'
import { openStore } from '../../../src/store/open-store.js'
import { withTimeout } from '../../../src/store/timeout-store.js'

const ENTITIES = [{ name: 'post', refProperties: ['authorId'] }]

for (const url of ['memory:', 'sqlite::memory:']) {
  t.test(`${url}: 200 reads in flight on one signal add one listener to it, and an abort cancels them all`, async t => {
    const opened = await openStore(url, { entities: ENTITIES })
    t.teardown(() => opened.close())
    for (const store of [opened, withTimeout(opened, 5000)]) {
      await store.upsertMany('post', [{ id: 'p1', authorId: 'a' }])
      const controller = new AbortController()
      const { signal } = controller
      const settled = await Promise.all(Array.from({ length: 200 }, () => store.get('post', 'p1', { signal })))
      t.ok(settled.every(doc => doc?.id === 'p1'), 'every read answers')
      const reads = Array.from({ length: 200 }, (_, i) => i % 2 === 0
        ? store.get('post', 'p1', { signal })
        : store.findByRefs('post', 'authorId', ['a'], { perRefLimit: 1 }, { signal }))
      t.ok(getEventListeners(signal, 'abort').length <= 1,
        `${getEventListeners(signal, 'abort').length} listener(s) for 200 reads in flight`)
      controller.abort()
      const outcomes = await Promise.allSettled(reads)
      t.ok(outcomes.every(o => o.status === 'rejected' && o.reason instanceof CancelledError),
        'each read in flight rejects with CancelledError')
      t.equal((await store.get('post', 'p1'))?.id, 'p1', 'the store answers the next read')
    }
  })
}
