// Frames batches of documents as NDJSON: one chunk per store batch keeps writes few, and
// pulling lazily from the source lets socket back-pressure pace the store reads. The source
// reads one batch ahead: the next batch (and its relatives) is asked for before the current one
// is framed and written, so that a store reading in worker threads (SQLite on a file) or over
// the network reads while the main thread writes. At most two batches are held at once.
import { Readable } from 'node:stream'
import { setImmediate } from 'node:timers/promises'

export async function * ndjsonChunks<T> (
  first: readonly T[],
  rest: AsyncIterator<readonly T[]>,
  json: (item: T) => string = JSON.stringify
): AsyncGenerator<string> {
  let ahead: Promise<IteratorResult<readonly T[]>> | undefined = rest.next()
  // a client that leaves while a batch is read ahead: that read's failure is nobody's to report
  ahead.catch(() => {})
  try {
    if (first.length > 0) yield frame(first, json)
    while (true) {
      const next: IteratorResult<readonly T[]> = await ahead
      ahead = undefined
      if (next.done === true) break
      ahead = rest.next()
      ahead.catch(() => {})
      if (next.value.length > 0) yield frame(next.value, json)
      // While the socket takes every write, the batches would follow each other in microtasks
      // alone: yield to the event loop so that other requests, and a client that left, are seen.
      await setImmediate()
    }
  } finally {
    // Runs when the client goes away too: the source stops reading from the store (after the
    // batch read ahead, which its generator finishes first).
    if (ahead !== undefined) await ahead.catch(() => {})
    await rest.return?.()
  }
}

function frame<T> (batch: readonly T[], json: (item: T) => string): string {
  let out = ''
  for (const item of batch) out += json(item) + '\n'
  return out
}

/**
 * Reads the first batch before answering so that a failure there is still an ordinary
 * problem+json response; later failures end the body abruptly, which clients can detect.
 */
export async function ndjsonStream<T> (source: AsyncIterator<readonly T[]>,
  json: (item: T) => string = JSON.stringify): Promise<Readable> {
  const first = await source.next()
  return Readable.from(ndjsonChunks(first.done === true ? [] : first.value, source, json), { objectMode: false })
}
