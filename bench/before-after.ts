// This version against the one before issue #12 (BENCH_BASELINE_REF, default bdf3ea7^: the
// commit before SQLite's reads went to read workers), in one run: issue #12 asks that the single
// `GET /api/orders/:id?with=all` and the page of 100 `with=all` keep their throughput (≥ 0.95×).
// The earlier version is checked out into a temporary git worktree and compiled (beside this
// checkout's own compile); each side builds its own SQLite file with its own code (the bench first
// checks both hold the same documents) and serves it from BENCH_BEFORE_AFTER_CHILDREN children
// (default 3), started before, after, after, before, …; the answers are checked equal, then
// paired-rounds.ts measures req/s and each child's CPU (every thread, from /proc) per request in
// short interleaved runs, and the ratio of before to after CPU is judged against the spread
// between children of the same code (A/A: two such children differ only by noise).
// BENCH_BASELINE_REF=main compares a branch with main (HEAD: an A/A run of the whole bench);
// BENCH_BEFORE_AFTER_CASES picks the requests (single, page, plain: the plain GET /api/orders/:id,
// stream and plainstream: the NDJSON stream of every order with=all and plain, whole per request,
// from the first pair only), default single,page; BENCH_DURATION is the seconds each side of a
// case is measured, shared by its children over BENCH_BEFORE_AFTER_ROUNDS rounds (default 4).
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { benchMain } from './lib/bench-main.js'
import { compileServer, spawnServer, type ServerChild } from './lib/child.js'
import { dataset } from './lib/dataset.js'
import { sameDocuments } from './lib/same-documents.js'
import { CONNECTIONS, DURATION_SEC, ROUNDS, rejectedText, spreadIds } from './lib/load.js'
import { cpuVerdict, pairedRounds, type CpuVerdict, type PairingResult } from './lib/paired-rounds.js'
import { printHotSpots, profileDir } from './lib/profile.js'
import { formatNumber, markdownTable, ratio, verdict } from './lib/table.js'
import { buildVersionDataset, checkoutVersion } from './lib/version-checkout.js'
import { assertSameBytes } from './lib/same-bytes.js'
import { streamRounds } from './lib/stream-rounds.js'

const REF = process.env.BENCH_BASELINE_REF ?? 'bdf3ea7^'
const ORDERS = Number(process.env.BENCH_ORDERS ?? 10_000)
const SIZE = 100
const TARGET = 0.95
/** Which requests to compare: single, page, plain (GET /api/orders/:id), stream, plainstream; a comma list. */
const CASES = (process.env.BENCH_BEFORE_AFTER_CASES ?? 'single,page').split(',')
/**
 * Server children per side and case. Three give six A/A pairs: a median ratio beyond their widest
 * gap happens by chance about once in 20 A/A runs (two children: one in 5).
 */
const CHILDREN = Math.max(1, Number(process.env.BENCH_BEFORE_AFTER_CHILDREN ?? 3))
const PAIRED_ROUNDS = Math.max(1, Number(process.env.BENCH_BEFORE_AFTER_ROUNDS ?? 4))
/** Seconds of one child's run in one round: each side of a case gets BENCH_DURATION in all. */
const SLOT_SEC = DURATION_SEC / (CHILDREN * PAIRED_ROUNDS)

type Label = 'before' | 'after'

interface Side {
  label: Label
  child: ServerChild
  profile: string | undefined
}

async function spawnSide (label: Label, url: string, kind: string, script?: string): Promise<Side> {
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

function percent (fraction: number): string {
  return `${(100 * fraction).toFixed(1)} %`
}

/** The spread column: the widest gap between two children of the same side. */
function spreadText (v: CpuVerdict): string {
  return v.spread === undefined ? 'n/a (1 child a side)' : `±${percent(v.spread)}`
}

/** The line under the table that says whether a case's CPU difference is more than noise. */
function verdictLine (label: string, v: CpuVerdict, [before, after]: PairingResult): string {
  const micros = (side: typeof before): string =>
    side.children.map(c => formatNumber(1000 * c.cpuMsPerRequest)).join(', ')
  const pairs = `before / after CPU ${v.ratio.toFixed(3)}× (every before child against every after child: ` +
    `${v.low.toFixed(3)}–${v.high.toFixed(3)}×; CPU µs / req of the children: before ${micros(before)}, ` +
    `after ${micros(after)})`
  if (v.beyond === undefined) return `- ${label}: ${pairs}; one child a side, so no A/A spread to judge it by`
  const judged = v.beyond
    ? `beyond the A/A spread of ${spreadText(v)}: ${v.ratio > 1 ? 'after is cheaper' : 'after costs more'}`
    : `within the A/A spread of ${spreadText(v)}: no difference this run can tell`
  return `- ${label}: ${pairs}, ${judged}`
}

benchMain('before-after', 30, async function main () {
  console.log(`_load average at the start: ${loadText()} (1, 5, 15 min)_`)
  // tsc takes half a minute here on a loaded machine: both sides compile at once
  const [checkout] = await Promise.all([checkoutVersion(REF), compileServer()])
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
    // CHILDREN pairs per case, started before-after then after-before (ABBA), so that neither side
    // is always the first started; one case per child, so that each profile (BENCH_PROFILE=1)
    // belongs to one case
    const pairs = new Map<string, Array<[Side, Side]>>()
    const spawning = performance.now()
    for (const kind of kinds) {
      const kindPairs: Array<[Side, Side]> = []
      for (let p = 0; p < (kind.stream === true ? 1 : CHILDREN); p++) {
        const start = (label: Label): Promise<Side> => label === 'before'
          ? spawnSide('before', `sqlite:${beforeFile}`, kind.name, checkout.serverScript)
          : spawnSide('after', after.url, kind.name)
        const first = await start(p % 2 === 0 ? 'before' : 'after')
        sides.push(first)
        const second = await start(p % 2 === 0 ? 'after' : 'before')
        sides.push(second)
        kindPairs.push(first.label === 'before' ? [first, second] : [second, first])
      }
      pairs.set(kind.name, kindPairs)
    }
    console.log(`${sides.length} server children started in ${((performance.now() - spawning) / 1000).toFixed(0)} s`)
    for (const kind of kinds) {
      for (const [before, afterSide] of pairs.get(kind.name)!) {
        for (const path of kind.paths.slice(0, 5)) {
          await assertSameBytes(['before', before.child.url], ['after', afterSide.child.url], path)
        }
      }
    }
    const streamKinds = kinds.filter(kind => kind.stream === true)
    const streamRows = []
    for (const kind of streamKinds) {
      const pair = pairs.get(kind.name)![0]!
        .map(side => ({ name: side.label, url: side.child.url, pid: side.child.pid }))
      const [before, afterResult] = await streamRounds(pair, kind.paths[0]!)
      streamRows.push([kind.label, before!.rowsPerSec, afterResult!.rowsPerSec,
        ratio(afterResult!.rowsPerSec, before!.rowsPerSec), before!.cpuMsPer1000Rows, afterResult!.cpuMsPer1000Rows,
        ratio(before!.cpuMsPer1000Rows, afterResult!.cpuMsPer1000Rows)])
    }
    const requestKinds = kinds.filter(kind => kind.stream !== true)
    const results = requestKinds.length === 0
      ? []
      : await pairedRounds(requestKinds.map(kind => ({
        paths: kind.paths,
        pairs: pairs.get(kind.name)!.map(([before, afterSide]) => [before.child, afterSide.child] as const)
      })), PAIRED_ROUNDS, SLOT_SEC)
    for (const side of sides) await side.child.stop()
    for (const kind of kinds) {
      const profiled = new Set<string>()
      for (const side of pairs.get(kind.name)!.flat()) {
        // the children of one side and case write their profiles into one folder
        if (profiled.has(side.label)) continue
        profiled.add(side.label)
        printHotSpots(`${side.label} ${kind.name}`, side.profile)
      }
    }
    const heading = `${checkout.commit.slice(0, 10)} (before) / this checkout (after) — ` +
      `${ORDERS.toLocaleString('en-US')} orders × 3 items in SQLite`
    if (streamRows.length > 0) {
      console.log(`\n### ${heading}: whole streams, ${ROUNDS} interleaved rounds of 3 reads each\n`)
      console.log(markdownTable(['case', 'before rows/s', 'after rows/s', 'after / before',
        'before CPU ms / 1,000 rows', 'after CPU ms / 1,000 rows', 'before / after CPU'], streamRows))
    }
    if (requestKinds.length === 0) return
    console.log(`\n### ${heading}, ${CONNECTIONS} connections, ${CHILDREN} children a side, each measured ` +
      `${SLOT_SEC.toFixed(2)} s in each of ${PAIRED_ROUNDS} interleaved rounds (after a settle round)\n`)
    const verdicts = results.map(cpuVerdict)
    const rows = requestKinds.map((kind, k) => {
      const [before, afterResult] = results[k]!.map(side => side.total)
      const share = afterResult!.requestsPerSec / before!.requestsPerSec
      const v = verdicts[k]!
      return [kind.label, before!.requestsPerSec, afterResult!.requestsPerSec, ratio(share, 1),
        `≥ ${TARGET}: ${verdict(share >= TARGET)}`, before!.cpuMsPerRequest, afterResult!.cpuMsPerRequest,
        `${v.ratio.toFixed(2)}×`, spreadText(v), `≥ ${TARGET}: ${verdict(v.ratio >= TARGET)}`,
        before!.latencyMeanMs, afterResult!.latencyMeanMs, `${rejectedText(before!)} / ${rejectedText(afterResult!)}`]
    })
    console.log(markdownTable(['case', 'before req/s', 'after req/s', 'after / before', 'target',
      'before CPU ms / req', 'after CPU ms / req', 'before / after CPU', 'A/A spread', 'target (CPU)',
      'before mean ms', 'after mean ms', 'non-2xx before / after'], rows))
    console.log('')
    for (const [k, kind] of requestKinds.entries()) console.log(verdictLine(kind.label, verdicts[k]!, results[k]!))
  } finally {
    for (const side of sides) await side.child.stop()
    checkout.remove()
    rmSync(dataDir, { recursive: true, force: true })
  }
})
