// This version against the one before issue #12 (BENCH_BASELINE_REF, default bdf3ea7^: the
// commit before SQLite's reads went to read workers), in one run: issue #12 asks that the single
// `GET /api/orders/:id?with=all` and the page of 100 `with=all` keep their throughput (≥ 0.95×).
// The earlier version is checked out into a temporary git worktree and compiled; each side builds
// its own SQLite file with its own code (the bench first checks both hold the same documents),
// serves it from its own child, and the answers are checked equal before interleaved autocannon
// rounds measure req/s and each child's CPU (every thread, from /proc) per request.
// BENCH_BASELINE_REF=main compares a branch with main; BENCH_BEFORE_AFTER_CASES picks the requests
// (single, page, plain: the plain GET /api/orders/:id, stream and plainstream: the NDJSON stream of
// every order with=all and plain, whole per request), default single,page.
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { benchMain } from './lib/bench-main.js'
import { spawnServer, type ServerChild } from './lib/child.js'
import { processCpuMs } from './lib/cpu.js'
import { dataset } from './lib/dataset.js'
import { sameDocuments } from './lib/same-documents.js'
import { CONNECTIONS, DURATION_SEC, ROUNDS, compare, rejectedText, spreadIds } from './lib/load.js'
import { printHotSpots, profileDir } from './lib/profile.js'
import { markdownTable, ratio, verdict } from './lib/table.js'
import { buildVersionDataset, checkoutVersion } from './lib/version-checkout.js'
import { assertSameBytes } from './lib/same-bytes.js'
import { streamRounds } from './lib/stream-rounds.js'

const REF = process.env.BENCH_BASELINE_REF ?? 'bdf3ea7^'
const ORDERS = Number(process.env.BENCH_ORDERS ?? 10_000)
const SIZE = 100
const TARGET = 0.95
/** Which requests to compare: single, page, plain (GET /api/orders/:id), stream, plainstream; a comma list. */
const CASES = (process.env.BENCH_BEFORE_AFTER_CASES ?? 'single,page').split(',')

interface Side {
  label: 'before' | 'after'
  child: ServerChild
  profile: string | undefined
}

async function spawnSide (label: Side['label'], url: string, kind: string, script?: string): Promise<Side> {
  const profile = profileDir(`before-after-${label}-${kind}`)
  const child = await spawnServer('app', {
    env: { DATABASE_URL: url },
    ...(script === undefined ? {} : { script }),
    ...(profile === undefined ? {} : { profileDir: profile })
  })
  return { label, child, profile }
}

function loadText (): string {
  return loadavg().map(n => n.toFixed(2)).join(', ')
}

benchMain('before-after', 30, async function main () {
  console.log(`_load average at the start: ${loadText()} (1, 5, 15 min)_`)
  const checkout = checkoutVersion(REF)
  const dataDir = mkdtempSync(join(tmpdir(), 'relata-before-data-'))
  const sides: Side[] = []
  try {
    console.log(`before: ${REF} = ${checkout.commit.slice(0, 10)}, checked out in ${checkout.dir}; node_modules ` +
      `${checkout.nodeModules} (${checkout.nodeModulesReason})`)
    const beforeFile = buildVersionDataset(checkout, ORDERS, dataDir)
    const after = await dataset(ORDERS)
    const documents = sameDocuments(beforeFile, after.path)
    console.log(`same documents in both files: ${documents}`)
    const ids = spreadIds(ORDERS)
    const pages = Math.floor(ORDERS / SIZE)
    const kinds = [
      { name: 'plain', label: 'GET /api/orders/:id', paths: ids.map(id => `/api/orders/ord-${id}`) },
      { name: 'single', label: 'GET /api/orders/:id?with=all', paths: ids.map(id => `/api/orders/ord-${id}?with=all`) },
      // whole NDJSON streams of every order, read one at a time (streamRounds), not under load
      {
        name: 'stream',
        label: 'GET /api/orders/stream?with=all',
        paths: ['/api/orders/stream?with=all'],
        stream: true
      },
      { name: 'plainstream', label: 'GET /api/orders/stream', paths: ['/api/orders/stream'], stream: true },
      {
        name: 'page',
        label: `GET /api/orders?with=all&size=${SIZE}`,
        paths: Array.from({ length: pages },
          (_, i) => `/api/orders?with=all&size=${SIZE}&page=${1 + ((i * 37) % pages)}`)
      }
    ].filter(kind => CASES.includes(kind.name))
    // one child per case and side, so that each profile (BENCH_PROFILE=1) belongs to one case
    const pairs = new Map<string, [Side, Side]>()
    for (const kind of kinds) {
      const before = await spawnSide('before', `sqlite:${beforeFile}`, kind.name, checkout.serverScript)
      sides.push(before)
      const afterSide = await spawnSide('after', after.url, kind.name)
      sides.push(afterSide)
      pairs.set(kind.name, [before, afterSide])
    }
    for (const kind of kinds) {
      const [before, afterSide] = pairs.get(kind.name)!
      for (const path of kind.paths.slice(0, 5)) {
        await assertSameBytes(['before', before.child.url], ['after', afterSide.child.url], path)
      }
    }
    const streamKinds = kinds.filter(kind => kind.stream === true)
    const streamRows = []
    for (const kind of streamKinds) {
      const pair = pairs.get(kind.name)!.map(side => ({ name: side.label, url: side.child.url, pid: side.child.pid }))
      const [before, afterResult] = await streamRounds(pair, kind.paths[0]!)
      streamRows.push([kind.label, before!.rowsPerSec, afterResult!.rowsPerSec,
        ratio(afterResult!.rowsPerSec, before!.rowsPerSec), before!.cpuMsPer1000Rows, afterResult!.cpuMsPer1000Rows,
        ratio(before!.cpuMsPer1000Rows, afterResult!.cpuMsPer1000Rows)])
    }
    const requestKinds = kinds.filter(kind => kind.stream !== true)
    const cases = requestKinds.flatMap(kind => pairs.get(kind.name)!.map(side => ({
      name: `${side.label} ${kind.name}`,
      url: side.child.url,
      paths: kind.paths,
      cpuMicros: async () => processCpuMs(side.child.pid) * 1000
    })))
    const results = cases.length === 0 ? [] : await compare(cases)
    for (const side of sides) await side.child.stop()
    for (const kind of kinds) {
      for (const side of pairs.get(kind.name)!) printHotSpots(`${side.label} ${kind.name}`, side.profile)
    }
    const heading = `${checkout.commit.slice(0, 10)} (before) / this checkout (after) — ` +
      `${ORDERS.toLocaleString('en-US')} orders × 3 items in SQLite`
    if (streamRows.length > 0) {
      console.log(`\n### ${heading}: whole streams, ${ROUNDS} interleaved rounds of 3 reads each\n`)
      console.log(markdownTable(['case', 'before rows/s', 'after rows/s', 'after / before',
        'before CPU ms / 1,000 rows', 'after CPU ms / 1,000 rows', 'before / after CPU'], streamRows))
    }
    if (requestKinds.length === 0) return
    console.log(`\n### ${heading}, ${CONNECTIONS} connections, ${DURATION_SEC} s each in ${ROUNDS} interleaved ` +
      'rounds\n')
    const rows = requestKinds.map((kind, k) => {
      const before = results[2 * k]!
      const afterResult = results[2 * k + 1]!
      const share = afterResult.requestsPerSec / before.requestsPerSec
      const cpuShare = before.cpuMsPerRequest! / afterResult.cpuMsPerRequest!
      return [kind.label, before.requestsPerSec, afterResult.requestsPerSec, ratio(share, 1),
        `≥ ${TARGET}: ${verdict(share >= TARGET)}`, before.cpuMsPerRequest!, afterResult.cpuMsPerRequest!,
        ratio(cpuShare, 1), `≥ ${TARGET}: ${verdict(cpuShare >= TARGET)}`, before.latencyMeanMs,
        afterResult.latencyMeanMs, `${rejectedText(before)} / ${rejectedText(afterResult)}`]
    })
    console.log(markdownTable(['case', 'before req/s', 'after req/s', 'after / before', 'target',
      'before CPU ms / req', 'after CPU ms / req', 'before / after CPU', 'target (CPU)', 'before mean ms',
      'after mean ms', 'non-2xx before / after'], rows))
  } finally {
    for (const side of sides) await side.child.stop()
    checkout.remove()
    rmSync(dataDir, { recursive: true, force: true })
  }
})
