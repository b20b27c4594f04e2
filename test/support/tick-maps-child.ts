// Child process of test/plugins/tick-object-maps.test.ts (run with --allow-natives-syntax and
// --expose-gc): prints the address of the map of a tick object before and after full GCs that
// run while no tick object is alive, with the process's tick object pinned (argument `pinned`)
// or not. The same address twice means the maps outlived the GCs.
import { createHook } from 'node:async_hooks'

/** A tick object, caught through the one hook that shows them. */
function tickObject (): object {
  let found: object | undefined
  const hook = createHook({
    init (_id, type, _trigger, resource) {
      if (type === 'TickObject') found ??= resource
    }
  }).enable()
  process.nextTick(() => {})
  hook.disable()
  return found!
}

// V8's own description of an object, whose `- map: 0x…` line names its map
// eslint-disable-next-line no-new-func -- V8 syntax, not TypeScript
const debugPrint = new Function('value', '%DebugPrint(value)') as (value: object) => void
const gc = (globalThis as unknown as { gc: () => void }).gc

if (process.argv[2] === 'pinned') await import('../../plugins/tick-object-maps.js')
debugPrint(tickObject())
for (let i = 0; i < 6; i++) {
  await new Promise(resolve => setImmediate(resolve))
  gc()
}
debugPrint(tickObject())
