// Two versions of a server, each served by several children, measured in short interleaved runs
// (bench/before-after.ts). On a loaded 2-core machine a child's CPU per request drifts by tens of
// per cent within seconds (others' work, the client's own share of the cores, how many requests
// the server finds waiting per wake-up), and the first runs after the warm-ups cost most: one
// unmeasured settle round absorbs them, and in every round each before/after pair is run back to
// back, in the order before-after or after-before alternating by round and by pair (ABBA), so
// that neither side owns a slot. Each child's CPU per request is summed over its runs; the
// verdict compares the median ratio of every before child to every after child with the spread
// between children of the same side (A/A pairs: the same code, so only noise tells them apart).
import type autocannon from 'autocannon'
import { threadsCpuMs } from './cpu.js'
import { CONNECTIONS, fire, fireRequests, summarize, WARMUP_SEC, type LoadResult } from './load.js'

export interface Member {
  url: string
  pid: number
}

/** One request kind: its paths and its children, as [before, after] pairs. */
export interface Pairing {
  paths: readonly string[]
  pairs: ReadonlyArray<readonly [Member, Member]>
}

export interface ChildResult extends LoadResult {
  cpuMsPerRequest: number
}

export interface SideResults {
  /** Every child of the side, in the order of its pairs. */
  children: ChildResult[]
  /** The side's children together: rates over their summed time, CPU over their summed requests. */
  total: ChildResult
}

/** The children of each pairing, measured: [before, after]. */
export type PairingResult = readonly [SideResults, SideResults]

interface Runs {
  results: autocannon.Result[]
  cpuMs: number
}

/**
 * Warms every child, runs one settle round, then `rounds` measured rounds of about `slotSec`
 * seconds per child. A run is a number of requests, the same for every child of a pairing (what
 * the warm-ups served in `slotSec`), each one answered before the CPU is read. Pairings are
 * visited in turn within a round, so every kind sees the same stretch of machine weather.
 */
export async function pairedRounds (pairings: readonly Pairing[], rounds: number,
  slotSec: number): Promise<PairingResult[]> {
  const runs = pairings.map(p => p.pairs.map(() => [newRuns(), newRuns()] as const))
  const amounts: number[] = []
  for (const pairing of pairings) {
    const warmups = []
    for (const [p, pair] of pairing.pairs.entries()) {
      for (const side of sideOrder(p)) warmups.push(await fire(pair[side].url, pairing, WARMUP_SEC))
    }
    const warm = summarize(warmups)
    // whole rounds of the connections, at least one request each
    amounts.push(CONNECTIONS * Math.max(1, Math.round((warm.requestsPerSec * slotSec) / CONNECTIONS)))
  }
  for (let round = -1; round < rounds; round++) {
    for (const [k, pairing] of pairings.entries()) {
      for (const [p, pair] of pairing.pairs.entries()) {
        for (const side of sideOrder(round + p)) {
          const member = pair[side]
          const started = threadsCpuMs(member.pid)
          const result = await fireRequests(member.url, pairing, amounts[k]!)
          if (round < 0) continue
          const into = runs[k]![p]![side]
          into.cpuMs += threadsCpuMs(member.pid) - started
          into.results.push(result)
        }
      }
    }
  }
  return runs.map(pairs => [sideResults(pairs.map(pair => pair[0])), sideResults(pairs.map(pair => pair[1]))])
}

/** Before first when `n` is even, after first when odd. */
function sideOrder (n: number): readonly [0, 1] | readonly [1, 0] {
  return Math.abs(n) % 2 === 0 ? [0, 1] : [1, 0]
}

function newRuns (): Runs {
  return { results: [], cpuMs: 0 }
}

function withCpu (results: readonly autocannon.Result[], cpuMs: number): ChildResult {
  const summary = summarize(results)
  return { ...summary, cpuMsPerRequest: cpuMs / Math.max(1, summary.requests) }
}

function sideResults (children: readonly Runs[]): SideResults {
  return {
    children: children.map(c => withCpu(c.results, c.cpuMs)),
    total: withCpu(children.flatMap(c => c.results), children.reduce((sum, c) => sum + c.cpuMs, 0))
  }
}

export interface CpuVerdict {
  /** Median over every (before child, after child) of before CPU / after CPU per request. */
  ratio: number
  /** The least and greatest of those ratios. */
  low: number
  high: number
  /**
   * The widest gap between two children of the same side, as a fraction (0.03: one used 3 % more
   * CPU per request than the other); undefined with one child per side.
   */
  spread: number | undefined
  /** The median ratio is further from 1 than the spread reaches (undefined without a spread). */
  beyond: boolean | undefined
}

export function cpuVerdict ([before, after]: PairingResult): CpuVerdict {
  const cpu = (side: SideResults): number[] => side.children.map(c => c.cpuMsPerRequest)
  const ratios = cpu(before).flatMap(b => cpu(after).map(a => b / a)).sort((x, y) => x - y)
  const gaps = [cpu(before), cpu(after)].flatMap(values => values.flatMap((x, i) =>
    values.slice(i + 1).map(y => Math.max(x, y) / Math.min(x, y) - 1)))
  const spread = gaps.length === 0 ? undefined : Math.max(...gaps)
  const ratio = median(ratios)
  return {
    ratio,
    low: ratios[0]!,
    high: ratios.at(-1)!,
    spread,
    beyond: spread === undefined ? undefined : ratio > 1 + spread || ratio < 1 / (1 + spread)
  }
}

function median (sorted: readonly number[]): number {
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
