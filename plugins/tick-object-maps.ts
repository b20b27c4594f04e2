// Keeps one of Node's tick objects (what process.nextTick queues) alive for the life of the process,
// so that the hidden classes (maps) of tick objects are never collected.
// Node makes each tick object with an object literal whose first keys are computed (its async id
// symbols). V8 remembers, weakly, the one map it saw at such a key; when it sees another it gives
// up on the site for good and defines that key in the runtime on every call. A full GC that runs
// while no tick object is alive (the queue is empty between requests) collects the maps, the next
// tick object gets new ones, and from then on every process.nextTick costs ~0.4 µs instead of
// ~0.05 µs. Node's HTTP path queues ~6 ticks per request: in bench runs this cost a plain GET
// ~6 µs of CPU (of ~110) in most of Relata's server processes, not all (it depends on when a full
// GC falls). The bench's hand-written limit runs in a process that pins one too (bench/lib/server.ts).
// One pinned tick object keeps the maps, and with them V8's fast path, alive.
import { createHook } from 'node:async_hooks'

/** A tick object, caught by an init hook: the one place Node shows them. The hook is on for this call only. */
function tickObject (): object {
  let caught: object | undefined
  const hook = createHook({
    init (_id, type, _trigger, resource) {
      if (type === 'TickObject') caught = resource
    }
  }).enable()
  try {
    process.nextTick(function pinnedTick () {})
  } finally {
    hook.disable()
  }
  return caught!
}

/**
 * The pinned tick object, held for the life of the process. Made when this module is first
 * imported: as early as possible, since a full GC during start-up can already collect the maps.
 */
export const PINNED_TICK_OBJECT = tickObject()
