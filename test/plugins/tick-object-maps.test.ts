// The server process pins one of Node's tick objects (plugins/tick-object-maps.ts) so that the maps of
// tick objects, and with them V8's fast path for process.nextTick, survive full GCs.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t from 'tap'

const CHILD = fileURLToPath(new URL('../support/tick-maps-child.ts', import.meta.url))

/** The map addresses the child printed for its two tick objects. */
async function tickMaps (mode: 'pinned' | 'unpinned'): Promise<string[]> {
  const { stdout } = await promisify(execFile)(process.execPath,
    ['--allow-natives-syntax', '--expose-gc', '--import', 'tsx', CHILD, mode],
    // no coverage for the child: tap would merge it, compiled with other source maps
    { env: { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' } })
  return [...stdout.matchAll(/^ - map: (0x[0-9a-f]+)/gm)].map(match => match[1]!)
}

t.test('with the pin, tick objects keep their map through full GCs', async t => {
  const maps = await tickMaps('pinned')
  t.equal(maps.length, 2, 'two tick objects printed')
  t.equal(maps[1], maps[0], 'the same map before and after')
})

// what the pin guards against: if this ever fails, V8 keeps the maps by itself and the pin can go
t.test('without it, full GCs while no tick object lives give tick objects new maps', async t => {
  const maps = await tickMaps('unpinned')
  t.equal(maps.length, 2, 'two tick objects printed')
  t.not(maps[1], maps[0], 'a new map after the GCs')
})
