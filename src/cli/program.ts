// The `relata` command line: import and export NDJSON against a server (--url) or the store
// itself (DATABASE_URL), and serve. Everything it touches comes in through CliIo, so tests run
// it in-process with fake terminals.
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { Readable, Writable } from 'node:stream'
import { Command, CommanderError, InvalidArgumentError } from 'commander'
import { loadConfig } from '../config.js'
import { RelataError } from '../errors.js'
import { openLocal } from './local-target.js'
import { Progress, type ProgressOutput } from './progress.js'
import { openRemote } from './remote-target.js'
import { CliError, type ImportSource, type Target } from './target.js'

export interface CliIo {
  stdin: Readable
  stdout: Writable & ProgressOutput
  stderr: Writable & ProgressOutput
  env: Record<string, string | undefined>
  /** Starts the HTTP server with this environment (plugins/server.ts). */
  serve: (env: Record<string, string | undefined>) => Promise<void>
}

interface GlobalOptions {
  url?: string
  apiKey?: string
  database?: string
  model?: string
}

const EXIT_REJECTED = 2

export async function runCli (args: readonly string[], io: CliIo, version: string): Promise<number> {
  let exitCode = 0
  const program = new Command('relata')
    .description('Import, export and serve the entities of a Relata model.')
    .version(version)
    .option(
      '--url <url>',
      'a Relata server to talk to (env RELATA_URL); without it, the store is opened directly',
      io.env.RELATA_URL
    )
    .option('--api-key <key>', 'API key for the server (env RELATA_API_KEY)', io.env.RELATA_API_KEY)
    .option('--database <url>', 'store to open directly, as DATABASE_URL (sqlite:<path>, memory:, mongodb://…)')
    .option('--model <path>', 'model file, as MODEL_PATH; the sample shop when unset')
    .configureOutput({ writeOut: text => io.stdout.write(text), writeErr: text => io.stderr.write(text) })
    .exitOverride()
    .showHelpAfterError()
    .addHelpText(
      'after',
      `
Examples:
  relata import customers customers.ndjson              # into the store named by DATABASE_URL
  relata --url http://localhost:3000 import orders o.ndjson
  relata export orders --with all > orders.ndjson
  relata export customers --full > customers.ndjson     # a backup, hidden properties included
  relata serve --port 3000

Progress goes to stderr: a live bar on a terminal, plain lines otherwise.
Exit codes: 0 done, 1 failed, ${EXIT_REJECTED} imported but some lines were rejected (listed in the report).`
    )

  const target = async (): Promise<Target> => {
    const options = program.opts<GlobalOptions>()
    if (options.url !== undefined) return openRemote(options.url, options.apiKey)
    return await openLocal(loadConfig(storeEnv(io.env, options)))
  }
  const progress = (label: string) => (total?: number) =>
    new Progress(io.stderr, label, total === undefined ? {} : { total })

  program.command('import')
    .description('upsert NDJSON documents into an entity, in batches; invalid lines are skipped and reported')
    .argument('<route>', 'the entity\'s route, as in /api/<route> (e.g. order-items)')
    .argument('<file>', 'NDJSON file, one document per line; - for stdin')
    .option('--batch-size <n>', 'valid lines per store write', positiveInteger, 500)
    .action(async (route: string, file: string, options: { batchSize: number }) => {
      const report = await withTarget(target, async t => {
        // a mistyped route fails at once, before a byte of the file is read or sent
        await t.checkRoute(route)
        const source = await openSource(file, io.stdin)
        return await t.import(route, source, options.batchSize, progress(`import ${route}`))
      })
      io.stdout.write(JSON.stringify(report, null, 2) + '\n')
      if (report.rejected > 0) exitCode = EXIT_REJECTED
    })

  program.command('export')
    .description('write every document of an entity as NDJSON to stdout')
    .argument('<route>', 'the entity\'s route, as in /api/<route>')
    .option('--with <relationships>', 'load relationships into each line: all, or a comma list as in ?with=')
    .option('--filter <json>', 'only documents matching this filter, as in ?filter=')
    .option('--full', 'a backup: the stored documents whole, hidden (x-internal, writeOnly) properties included; ' +
      'reads the store directly (DATABASE_URL), never a server')
    .action(async (route: string, options: { with?: string, filter?: string, full?: boolean }) => {
      await withTarget(target, async t => await t.export(route, options, io.stdout, progress(`export ${route}`)))
    })

  program.command('serve')
    .description('start the HTTP server (configured by the same environment variables as `npm start`)')
    .option('--port <port>', 'TCP port, as PORT')
    .option('--host <host>', 'interface, as HOST')
    .action(async (options: { port?: string, host?: string }) => {
      const env = storeEnv(io.env, program.opts<GlobalOptions>())
      await io.serve({
        ...env,
        ...(options.port === undefined ? {} : { PORT: options.port }),
        ...(options.host === undefined ? {} : { HOST: options.host })
      })
    })

  try {
    await program.parseAsync(args, { from: 'user' })
    return exitCode
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode
    if (error instanceof CliError || error instanceof RelataError) {
      // On a terminal, the message replaces the progress line.
      io.stderr.write(`${io.stderr.isTTY === true ? '\r\x1b[K' : ''}relata: ${error.message}\n`)
      return 1
    }
    throw error
  }
}

function storeEnv (
  env: Record<string, string | undefined>,
  options: GlobalOptions
): Record<string, string | undefined> {
  return {
    ...env,
    ...(options.database === undefined ? {} : { DATABASE_URL: options.database }),
    ...(options.model === undefined ? {} : { MODEL_PATH: options.model })
  }
}

async function openSource (file: string, stdin: Readable): Promise<ImportSource> {
  if (file === '-') return { stream: stdin }
  let size: number
  try {
    size = (await stat(file)).size
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`)
  }
  return { stream: createReadStream(file), size }
}

async function withTarget<T> (open: () => Promise<Target>, work: (target: Target) => Promise<T>): Promise<T> {
  const target = await open()
  try {
    return await work(target)
  } finally {
    await target.close()
  }
}

function positiveInteger (value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer')
  return n
}
