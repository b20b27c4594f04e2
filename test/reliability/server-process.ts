// The real server process for shutdown tests: plugins/server.ts under tsx on a free port, with
// plain node:http clients to talk to it.
import type { Test } from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { request, type Agent, type IncomingMessage } from 'node:http'
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'

const SERVER = fileURLToPath(new URL('../../plugins/server.ts', import.meta.url))

/**
 * The environment without coverage for the child: its coverage (compiled by tsx, with other
 * source maps) would be merged into the suite's and misreport lines. tap re-adds its process
 * tracking to any spawn; '0' is how its coverage recorder is told to stay off.
 */
function untracked (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, _TAPJS_PROCESSINFO_COVERAGE_: '0' }
}

export interface Server { child: ChildProcess, base: string, port: number, output: () => string }

export interface Launched {
  child: ChildProcess
  output: () => string
  /** Resolves with the first match of `pattern` in the output; rejects on exit or after `timeoutMs`. */
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<RegExpExecArray>
}

/** The server process, started; not waited for. */
export function launch (t: Test, file: string, env: Record<string, string> = {}): Launched {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER], {
    env: {
      ...untracked(process.env),
      DATABASE_URL: `sqlite:${file}`,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      SEED: 'true',
      MAX_BULK: '5000',
      ...env
    },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  let output = ''
  child.stderr!.on('data', chunk => { output += String(chunk) })
  child.stdout!.on('data', chunk => { output += String(chunk) })
  function waitFor (pattern: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`no ${pattern} within ${timeoutMs} ms:\n${output}`)), timeoutMs)
      const onExit = (code: number | null): void => finish(new Error(`the server exited (${code}):\n${output}`))
      function check (): void {
        const match = pattern.exec(output)
        if (match !== null) finish(undefined, match)
      }
      function finish (error?: Error, match?: RegExpExecArray): void {
        clearTimeout(timer)
        child.stdout!.off('data', check)
        child.stderr!.off('data', check)
        child.off('exit', onExit)
        if (error === undefined) resolve(match!)
        else reject(error)
      }
      child.stdout!.on('data', check)
      child.stderr!.on('data', check)
      child.once('exit', onExit)
      check()
      if (child.exitCode !== null || child.signalCode !== null) onExit(child.exitCode)
    })
  }
  return { child, output: () => output, waitFor }
}

export async function startServer (t: Test, file: string, env: Record<string, string> = {}): Promise<Server> {
  const { child, output, waitFor } = launch(t, file, env)
  const match = await waitFor(/Server listening at http:\/\/127\.0\.0\.1:(\d+)/)
  const port = Number(match[1])
  return { child, port, base: `http://127.0.0.1:${port}`, output }
}

export interface SendOptions { method?: string, body?: unknown, agent?: Agent, headers?: Record<string, string> }

export function send (url: string, options: SendOptions = {}): Promise<IncomingMessage> {
  const { method = 'GET', body, agent, headers = {} } = options
  return new Promise((resolve, reject) => {
    const json = body === undefined ? {} : { 'content-type': 'application/json' }
    const req = request(url, { method, agent, headers: { ...json, ...headers } }, resolve)
    req.on('error', reject)
    req.end(body === undefined ? undefined : JSON.stringify(body))
  })
}

export async function text (res: IncomingMessage): Promise<string> {
  let out = ''
  res.setEncoding('utf8')
  for await (const chunk of res) out += chunk
  return out
}

export function refused (port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve(false) })
    socket.once('error', err => resolve((err as NodeJS.ErrnoException).code === 'ECONNREFUSED'))
  })
}

export function sleep (ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}
