#!/usr/bin/env node
// The `relata` executable: runs the command line on the real process and exits with its code.
import { VERSION } from '../../plugins/app.js'
import { runCli } from './program.js'

async function serve (env: Record<string, string | undefined>): Promise<void> {
  Object.assign(process.env, env)
  // plugins/server.ts reads the environment, listens and handles signals on import.
  await import('../../plugins/server.js')
  await new Promise(() => {})
}

process.exitCode = await runCli(
  process.argv.slice(2),
  { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, serve },
  VERSION
)
