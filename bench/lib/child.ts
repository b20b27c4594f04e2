// Starts a server child (server.ts, compiled with tsc like `npm start` runs dist/) on a free
// loopback port and waits until it listens; stops it and reads its peak RSS. With
// `profileDir` the child runs under --cpu-prof and writes a .cpuprofile there when it stops.
// BENCH_TSX=1 runs the child under tsx instead (no build, but tsx's loader thread adds ~50 MB
// of RSS and its profiles point at one minified line).
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { FromChild, ToChild } from './server.js'

export type ServerKind = 'app' | 'bare' | 'naive' | 'json-server' | 'limit' | 'pg-limit'

export interface ServerChild {
  url: string
  pid: number
  /** Peak and current resident set size of the child, in bytes, and the CPU time it has used (µs). */
  usage: () => Promise<Usage>
  stop: () => Promise<void>
}

export interface Usage {
  maxRssBytes: number
  rssBytes: number
  /** User and system CPU time of the whole child process so far. */
  cpuMicros: number
}

export interface SpawnOptions {
  env?: Record<string, string>
  profileDir?: string
  startTimeoutMs?: number
  /** The child's standard output is dropped (a logging server), not shown. */
  quiet?: boolean
  /** A compiled server child of another version (version-checkout.ts) instead of this checkout's. */
  script?: string
}

const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** Inside node_modules so that the compiled files resolve the project's dependencies. */
const BUILD_DIR = join(ROOT, 'node_modules', '.cache', `relata-bench-build-${process.pid}`)
const live = new Set<ChildProcess>()

// A bench that throws still takes its children down, and its build with them.
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL')
  rmSync(BUILD_DIR, { recursive: true, force: true })
})

export async function spawnServer (kind: ServerKind, options: SpawnOptions = {}): Promise<ServerChild> {
  const args = options.script !== undefined
    ? [options.script]
    : process.env.BENCH_TSX === '1' ? ['--import', 'tsx', SERVER] : [compiledServer()]
  if (options.profileDir !== undefined) args.unshift('--cpu-prof', `--cpu-prof-dir=${options.profileDir}`)
  // BENCH_NODE_ARGS: Node flags for every server child (--trace-gc, --max-semi-space-size=…)
  args.unshift(...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean))
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...options.env, BENCH_SERVER: kind },
    stdio: ['ignore', options.quiet === true ? 'ignore' : 'inherit', 'inherit', 'ipc']
  })
  live.add(child)
  child.once('exit', () => live.delete(child))
  const port = await waitForPort(child, options.startTimeoutMs ?? 60_000).catch(err => {
    child.kill('SIGKILL')
    throw err
  })

  async function usage (): Promise<Usage> {
    const answer = nextMessage(child, 'usage', 10_000)
    child.send({ type: 'usage' } satisfies ToChild)
    const message = await answer
    if (message.type !== 'usage') throw new Error('unexpected answer')
    return { maxRssBytes: message.maxRssBytes, rssBytes: message.rssBytes, cpuMicros: message.cpuMicros }
  }

  async function stop (): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = once(child, 'exit')
    child.send({ type: 'stop' } satisfies ToChild)
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    await exited
    clearTimeout(timer)
  }

  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, usage, stop }
}

async function waitForPort (child: ChildProcess, timeoutMs: number): Promise<number> {
  const message = await nextMessage(child, 'listening', timeoutMs)
  if (message.type === 'failed') throw new Error(`server child failed to start:\n${message.message}`)
  if (message.type !== 'listening') throw new Error('unexpected message')
  return message.port
}

function nextMessage (child: ChildProcess, type: FromChild['type'], timeoutMs: number): Promise<FromChild> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => finish(new Error(`server child sent no '${type}' within ${timeoutMs} ms`)),
      timeoutMs
    )
    function onMessage (message: FromChild): void {
      if (message.type === type || message.type === 'failed') finish(undefined, message)
    }
    function onExit (code: number | null, signal: string | null): void {
      finish(new Error(`server child exited (code ${code}, signal ${signal}) before sending '${type}'`))
    }
    function finish (err?: Error, message?: FromChild): void {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
      if (err !== undefined) reject(err)
      else resolve(message!)
    }
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}

let compiled: string | undefined

function tscArgs (): string[] {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  return [tsc, SERVER, '--outDir', BUILD_DIR, '--rootDir', ROOT, '--module', 'NodeNext', '--moduleResolution',
    'NodeNext', '--target', 'ES2022', '--sourceMap', '--skipLibCheck', '--esModuleInterop', '--resolveJsonModule',
    '--types', 'node', '--noCheck']
}

function markCompiled (): string {
  mkdirSync(BUILD_DIR, { recursive: true })
  writeFileSync(join(BUILD_DIR, 'package.json'), '{"type":"module"}\n')
  compiled = join(BUILD_DIR, 'bench', 'lib', 'server.js')
  return compiled
}

/** Compiles the server child and what it imports with tsc, once per bench process. */
function compiledServer (): string {
  if (compiled !== undefined) return compiled
  execFileSync(process.execPath, tscArgs(), { stdio: 'inherit' })
  return markCompiled()
}

/**
 * The same compile without blocking, so that a bench can run it beside other work (tsc takes
 * half a minute on a loaded machine); spawnServer then uses its output.
 */
export async function compileServer (): Promise<void> {
  if (compiled !== undefined || process.env.BENCH_TSX === '1') return
  await promisify(execFile)(process.execPath, tscArgs())
  markCompiled()
}
