// Reads the .cpuprofile files a server child wrote under --cpu-prof and lists the functions
// and files with the most self time, so that hot spots can be named by file and function.
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { SourceMap } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { markdownTable } from './table.js'

interface CallFrame {
  functionName: string
  url: string
  /** 0-based, in the file that ran. */
  lineNumber: number
  columnNumber: number
}

interface ProfileNode {
  id: number
  callFrame: CallFrame
}

interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const IDLE = new Set(['(idle)', '(program)'])

export interface HotSpots {
  functions: string
  files: string
  busyMs: number
}

/** Self time of the profiles in `dir` (all of them, summed), top `limit` rows. */
export function hotSpots (dir: string, limit = 20): HotSpots {
  const byFunction = new Map<string, number>()
  const byFile = new Map<string, number>()
  let busy = 0
  for (const name of readdirSync(dir).filter(f => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, name), 'utf8')) as CpuProfile
    const frames = new Map(profile.nodes.map(n => [n.id, original(n.callFrame)]))
    profile.samples.forEach((id, i) => {
      const frame = frames.get(id)!
      if (IDLE.has(frame.functionName)) return
      const us = profile.timeDeltas[i] ?? 0
      busy += us
      const file = where(frame.url, frame.functionName, false)
      const fn = `${frame.functionName || '(anonymous)'} ` +
        `${where(frame.url, frame.functionName, true)}${frame.url === '' ? '' : `:${frame.lineNumber + 1}`}`
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + us)
      byFile.set(file, (byFile.get(file) ?? 0) + us)
    })
  }
  const table = (map: Map<string, number>, header: string) =>
    markdownTable(
      [header, 'self ms', '% of busy'],
      [...map]
        .sort((a, b) => b[1] - a[1])
        .slice(0, limit)
        .map(([key, us]) => [key, us / 1000, `${((100 * us) / busy).toFixed(1)}%`])
    )
  return {
    functions: table(byFunction, 'function (file:line)'),
    files: table(byFile, 'file or package'),
    busyMs: busy / 1000
  }
}

const maps = new Map<string, SourceMap | undefined>()

/** The TypeScript source location of a frame in a compiled file that has a .js.map beside it. */
function original (frame: CallFrame): CallFrame {
  if (!frame.url.startsWith('file://') || frame.lineNumber < 0) return frame
  const file = fileURLToPath(frame.url)
  if (!maps.has(file)) {
    const mapFile = `${file}.map`
    maps.set(file, existsSync(mapFile) ? new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8'))) : undefined)
  }
  const entry = maps.get(file)?.findEntry(frame.lineNumber, frame.columnNumber) as
    { originalSource?: string, originalLine?: number } | undefined
  if (entry?.originalSource === undefined || entry.originalLine === undefined) return frame
  const source = entry.originalSource.startsWith('file://')
    ? fileURLToPath(entry.originalSource)
    : resolve(dirname(file), entry.originalSource)
  return { ...frame, url: `file://${source}`, lineNumber: entry.originalLine }
}

/** Project files relative to the root; dependencies by package (and file); Node internals as node:. */
function where (url: string, functionName: string, detailed: boolean): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)'
  const path = url.startsWith('file://') ? fileURLToPath(url) : url
  const nm = path.lastIndexOf('node_modules/')
  if (nm !== -1) {
    const parts = path.slice(nm + 'node_modules/'.length).split('/')
    const pkg = parts[0]!.startsWith('@') ? 2 : 1
    return `npm:${parts.slice(0, detailed ? parts.length : pkg).join('/')}`
  }
  if (path.startsWith('node:')) return path
  return path.startsWith(ROOT) ? relative(ROOT, path) : path
}

/** With BENCH_PROFILE=1 each server child runs under --cpu-prof, into a fresh folder. */
export function profileDir (label: string): string | undefined {
  if (process.env.BENCH_PROFILE !== '1') return undefined
  return mkdtempSync(join(tmpdir(), `relata-prof-${label.replace(/[^a-z0-9]+/gi, '-')}-`))
}

export function printHotSpots (label: string, dir: string | undefined, limit = 20): void {
  if (dir === undefined) return
  const spots = hotSpots(dir, limit)
  console.log(
    `\n#### CPU profile of the server child: ${label} (${(spots.busyMs / 1000).toFixed(1)} s busy; profiles ` +
      `in ${dir})\n`
  )
  console.log(spots.functions)
  console.log()
  console.log(spots.files)
}
