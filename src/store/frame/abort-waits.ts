// The store calls waiting on one caller's signal: one 'abort' listener per signal, however many
// calls wait on it over its life. A server's signal lives as long as its client's connection
// and every store call of every request on it waits on it; EventTarget's addEventListener and
// removeEventListener cost about a microsecond a pair on Node 20, a Set's add and delete a tenth.
const waits = new WeakMap<AbortSignal, Set<() => void>>()

/** Calls `cancel` when `signal` aborts (at once when it has), unless `forget` comes first. */
export function whenAborted (signal: AbortSignal, cancel: () => void): void {
  if (signal.aborted) return cancel()
  let waiting = waits.get(signal)
  if (waiting === undefined) {
    const all = waiting = new Set()
    waits.set(signal, all)
    signal.addEventListener('abort', function cancelAll () {
      for (const each of all) each()
      all.clear()
    }, { once: true })
  }
  waiting.add(cancel)
}

export function forget (signal: AbortSignal, cancel: () => void): void {
  waits.get(signal)?.delete(cancel)
}
