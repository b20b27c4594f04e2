// The promise of a store call that settles without waiting on the store: its adapter had the
// answer when the call returned (a SQLite read on the main thread), so only a microtask stands
// between the call and its outcome. The frame (frame/framed-store.ts) marks such a promise; the
// timeout (timeout-store.ts) arms no timer for it, since a timer could not fire before it
// settles anyway. A wrapper in between that hands on the same promise keeps the mark; one that
// makes its own promise (a fault injected, a hang) loses it, and its call is bounded as any.
// One slot, not a set of promises (no weak table for the collector to sweep per call): the
// timeout asks about the promise the inner call has just returned, and a marked promise stays
// true to its mark, so an older mark is never wrong, only unused.
let marked: Promise<unknown> | undefined

/** Marks `promise` as settling at once: nothing outside this process's microtasks decides it. */
export function atOnce<T> (promise: Promise<T>): Promise<T> {
  marked = promise
  return promise
}

/** Whether `promise` was marked by atOnce: a timer bounding it would never fire. */
export function settlesAtOnce (promise: Promise<unknown>): boolean {
  return promise === marked
}
