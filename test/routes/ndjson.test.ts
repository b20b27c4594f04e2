// NDJSON framing of a batched source: each batch is one chunk, and the next batch is asked for
// before the current one is framed, so that a store reading off the main thread (or over the
// network) reads while the main thread frames and writes; never more than one batch ahead.
import t from 'tap'
import { ndjsonChunks } from '../../routes/ndjson.js'

/** A source of `batches` batches of two numbers, logging each read and each item framed. */
function source (batches: number, log: string[]): AsyncIterator<readonly number[]> {
  let read = 0
  return {
    async next () {
      if (read === batches) {
        log.push('read: done')
        return { done: true, value: undefined }
      }
      read++
      log.push(`read ${read}`)
      return { done: false, value: [read * 10, read * 10 + 1] }
    },
    async return () {
      log.push('return')
      return { done: true, value: undefined }
    }
  }
}

t.test('the next batch is read before the current one is framed, one batch ahead at most', async t => {
  const log: string[] = []
  const json = (n: number): string => {
    log.push(`frame ${n}`)
    return String(n)
  }
  const chunks: string[] = []
  for await (const chunk of ndjsonChunks([0, 1], source(2, log), json)) {
    chunks.push(chunk)
    log.push('written')
  }
  t.same(chunks, ['0\n1\n', '10\n11\n', '20\n21\n'], 'every batch, one chunk each, in order')
  t.same(log, [
    'read 1', 'frame 0', 'frame 1', 'written',
    'read 2', 'frame 10', 'frame 11', 'written',
    'read: done', 'frame 20', 'frame 21', 'written',
    'return'
  ], 'batch n + 1 is asked for before batch n is framed')
})

t.test('a consumer that stops waits for the batch read ahead, then returns the source', async t => {
  const log: string[] = []
  const chunks = ndjsonChunks([], source(5, log), String)
  const { value } = await chunks.next()
  log.push(`got ${String(value).trim().replace('\n', ',')}`)
  await chunks.return(undefined)
  t.same(log, ['read 1', 'read 2', 'got 10,11', 'return'], 'two reads, the source returned once')
})
