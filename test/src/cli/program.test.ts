// The command line run in-process with fake terminals: against the store directly and against
// a server listening on a real port.
import t, { type Test } from 'tap'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { PassThrough, Readable } from 'node:stream'
import { runCli, type CliIo } from '../../../src/cli/program.js'
import { openStore } from '../../../src/store/open-store.js'
import { build } from '../../helper.js'

interface Run { code: number, stdout: string, stderr: string, served?: Record<string, string | undefined> }

interface RunOptions { env?: Record<string, string>, stdin?: string | Readable, tty?: boolean }

async function relata (args: string[], options: RunOptions = {}): Promise<Run> {
  const stdout = Object.assign(new PassThrough(), { isTTY: false })
  const stderr = Object.assign(new PassThrough(), { isTTY: options.tty ?? false, columns: 100 })
  const out: string[] = []
  const err: string[] = []
  stdout.on('data', chunk => out.push(String(chunk)))
  stderr.on('data', chunk => err.push(String(chunk)))
  const run: Partial<Run> = {}
  const io: CliIo = {
    stdin: options.stdin instanceof Readable
      ? options.stdin
      : Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    stdout,
    stderr,
    env: { LOG_LEVEL: 'silent', ...options.env },
    serve: async env => { run.served = env }
  }
  const code = await runCli(args, io, '9.9.9')
  return { ...run, code, stdout: out.join(''), stderr: err.join('') }
}

async function tempDir (t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'relata-cli-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

const customers = [
  '{"id":"c1","name":"Ada","email":"ada@example.com"}',
  '{"id":"c2","name":"No email"}',
  '{"id":"c3","name":"Grace","email":"grace@example.com"}'
].join('\n') + '\n'

t.test('--help, --version and usage errors', async t => {
  const help = await relata(['--help'])
  t.equal(help.code, 0)
  t.match(help.stdout, /Usage: relata \[options\] \[command\]/)
  t.match(help.stdout, /relata export orders --with all > orders.ndjson/)
  t.match(await relata(['import', '--help']), { code: 0, stdout: /--batch-size <n>/ })
  t.match(await relata(['--version']), { code: 0, stdout: '9.9.9\n' })
  t.match(await relata(['import', 'customers']), { code: 1, stderr: /missing required argument 'file'/ })
  t.match(await relata(['import', 'customers', 'x', '--batch-size', '0']), {
    code: 1,
    stderr: /must be a positive integer/
  })
})

t.test('import and export against the store, opened directly', async t => {
  const dir = await tempDir(t)
  const file = join(dir, 'customers.ndjson')
  await writeFile(file, customers)
  const env = { DATABASE_URL: `sqlite:${join(dir, 'relata.db')}` }
  const imported = await relata(['import', 'customers', file, '--batch-size', '1'], { env })
  t.equal(imported.code, 2, 'exit code 2: some lines were rejected')
  t.match(JSON.parse(imported.stdout), { lines: 3, stored: 2, rejected: 1, batches: 2, rejections: [{ line: 2 }] })
  t.match(imported.stderr, /import customers: stored 2, rejected 1 of 3 lines in \d+s\n$/)

  const exported = await relata(['export', 'customers', '--filter', '{"name":"Ada"}'], { env })
  t.equal(exported.code, 0)
  t.same(
    exported.stdout
      .trim()
      .split('\n')
      .map(line => JSON.parse(line)),
    [{ id: 'c1', name: 'Ada', email: 'ada@example.com' }]
  )
  t.match(exported.stderr, /export customers: exported 1 documents/)

  await writeFile(
    join(dir, 'orders.ndjson'),
    '{"id":"o1","customerId":"c1","status":"open","total":1,"createdAt":"2026-01-01T00:00:00Z"}\n'
  )
  t.equal(
    (await relata(['--database', env.DATABASE_URL, 'import', 'orders', join(dir, 'orders.ndjson')])).code,
    0,
    '--database names the store'
  )
  const graphs = await relata(['export', 'orders', '--with', 'all'], { env, tty: true })
  t.match(JSON.parse(graphs.stdout), { entity: { id: 'o1' }, parents: { customerId: { name: 'Ada' } } })
  // eslint-disable-next-line no-control-regex -- the ANSI erase-line escape is what a terminal gets
  t.match(graphs.stderr, /\r\x1b\[Kexport orders: exported 1 documents/, 'a terminal gets the redrawn line')
  const buyers = await relata(['export', 'customers', '--filter', '{"Order":{"$some":{"status":"open"}}}'], { env })
  t.same(
    buyers.stdout
      .trim()
      .split('\n')
      .map(line => (JSON.parse(line) as { id: string }).id),
    ['c1'],
    'a relation filter, checked against the model'
  )
})

t.test('import from stdin; mistakes are reported without a stack', async t => {
  const env = { DATABASE_URL: 'memory:' }
  const piped = await relata(['import', 'customers', '-'], { env, stdin: customers.split('\n')[0]! })
  t.equal(piped.code, 0)
  t.match(JSON.parse(piped.stdout), { stored: 1 })
  t.match(await relata(['import', 'nowhere', '-'], { env }), {
    code: 1,
    stderr: /^relata: no entity has the route 'nowhere' in the sample model \(MODEL_PATH is not set\); its routes are/
  })
  t.match(await relata(['import', 'customers', '/no/such/file.ndjson'], { env }), {
    code: 1,
    stderr: /^relata: cannot read \/no\/such\/file.ndjson/
  })
  t.match(await relata(['export', 'orders', '--with', 'nope'], { env }), { code: 1, stderr: /^relata: .*nope/ })
  t.match(await relata(['export', 'orders'], { env: { DATABASE_URL: 'ftp://x' } }), {
    code: 1,
    stderr: /^relata: invalid configuration: DATABASE_URL/
  })
})

t.test('import and export through a server', async t => {
  const app = await build(t)
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  const dir = await tempDir(t)
  const file = join(dir, 'customers.ndjson')
  await writeFile(file, customers)

  const imported = await relata(['--url', url, 'import', 'customers', file], { tty: true })
  t.equal(imported.code, 2)
  t.match(JSON.parse(imported.stdout), { stored: 2, rejected: 1 })
  t.match(
    imported.stderr,
    // eslint-disable-next-line no-control-regex -- the ANSI erase-line escape is what a terminal gets
    /\r\x1b\[Kimport customers \[#+\] 100% {2}ETA 0s {2}3 rows/,
    'the bar follows the bytes sent'
  )

  const exported = await relata(['export', 'customers', '--filter', '{"id":{"$in":["c1","c3"]}}', '--with', 'all'], {
    env: { RELATA_URL: url + '/' }
  })
  t.equal(exported.code, 0)
  t.same(exported.stdout.trim().split('\n').map(line => JSON.parse(line).entity.id), ['c1', 'c3'])
  t.match(exported.stderr, /export customers: 100%, ETA 0s, 2 rows/)

  const piped = await relata(['--url', url, 'import', 'customers', '-'], {
    stdin: '{"id":"c9","name":"Pipe","email":"p@example.com"}\n'
  })
  t.match(JSON.parse(piped.stdout), { stored: 1 })
  t.match(await relata(['--url', url, 'export', 'nowhere']), {
    code: 1,
    stderr: /^relata: GET \/api\/nowhere\?size=1&total=exact answered 404: no route GET \/api\/nowhere/
  })
  t.match(await relata(['--url', url, 'import', 'customers', '-'], { stdin: 'x'.repeat(100) }), { code: 2 })
  t.match(await relata(['--url', 'http://127.0.0.1:1', 'export', 'orders'], { tty: true }), {
    code: 1,
    // eslint-disable-next-line no-control-regex -- the ANSI erase-line escape is what a terminal gets
    stderr: /^\r\x1b\[Krelata: cannot reach http:\/\/127.0.0.1:1: /
  })
})

/** A server whose order streams fail at their third batch of 10, the first `failures` times. */
async function flakyServer (t: Test, failures: number): Promise<string> {
  let failed = 0
  const app = await build(t, {
    env: { SEED: 'true', STREAM_BATCH_SIZE: '10' },
    openStore: async (url, options) => {
      const store = await openStore(url, options)
      const stream = store.stream.bind(store)
      store.stream = async function * failOnThirdBatch (entity, query) {
        let batches = 0
        for await (const batch of stream(entity, query)) {
          if (++batches === 3 && entity === 'Order' && failed < failures) {
            failed++
            throw new Error('disk gone')
          }
          yield batch
        }
      }
      return store
    }
  })
  return await app.listen({ port: 0, host: '127.0.0.1' })
}

t.test('an export cut off by the server resumes after its last complete line', async t => {
  const url = await flakyServer(t, 2)
  const run = await relata(['--url', url, 'export', 'orders', '--with', 'customerId'])
  t.equal(run.code, 0, run.stderr)
  const ids = run.stdout.trim().split('\n').map(line => (JSON.parse(line) as { entity: { id: string } }).entity.id)
  t.equal(ids.length, 100, 'every order')
  t.equal(new Set(ids).size, 100, 'each once')
  t.same(ids, [...ids].sort(), 'in the stream order')
  t.match(
    run.stderr,
    /export orders: the stream from http:\/\/127.0.0.1:\d+ was cut off after 20 documents \(terminated\); resuming after the last complete line\n/
  )
  t.match(run.stderr, /was cut off after 40 documents/, 'the second cut is resumed too')
  t.match(run.stderr, /export orders: exported 100 documents in/)
})

t.test('an export that keeps being cut off gives up', async t => {
  const url = await flakyServer(t, 10)
  const run = await relata(['--url', url, 'export', 'orders'])
  t.equal(run.code, 1)
  t.match(
    run.stderr,
    /\nrelata: the stream from http:\/\/127.0.0.1:\d+ was cut off after 80 documents \(terminated\); gave up after 3 resumptions\n$/
  )
})

t.test('an export from a server without cursor lines says so', async t => {
  // an older server: plain document lines whatever the query asks
  const server = createServer((request, response) => {
    response.setHeader('x-total-count', '1')
    const bodies: Record<string, string> = {
      orders: '{"id":"o1"}\n',
      bad: 'not json\n',
      cut: '{"cursor":"c1","data":{"id":"o1"}}\n{"cursor":"c2","da'
    }
    const [, route, stream] = /^\/api\/(\w+)(\/stream)?/.exec(request.url!)!
    response.end(stream === undefined ? '[]' : bodies[route!])
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => server.close())
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  t.match(await relata(['--url', url, 'export', 'orders']), {
    code: 1,
    stderr: /relata: the server sent no cursor lines for cursor=true: it predates resumable streams; upgrade it/
  })
  t.match(await relata(['--url', url, 'export', 'bad']), {
    code: 1,
    stderr: /relata: the server sent a line that is not JSON: not json/
  })
  const cut = await relata(['--url', url, 'export', 'cut'])
  t.match(cut, {
    code: 1,
    stderr:
      /relata: the stream from http:\/\/127.0.0.1:\d+ was cut off after 4 documents \(no final newline\); gave up after 3 resumptions\n$/
  })
  t.equal(cut.stdout, '{"id":"o1"}\n'.repeat(4), 'whole lines only, each attempt resuming after the last')
})

t.test('serve starts the server with the options as environment', async t => {
  const run = await relata(['--database', 'memory:', 'serve', '--port', '4567', '--host', '0.0.0.0'])
  t.equal(run.code, 0)
  t.match(run.served, { DATABASE_URL: 'memory:', PORT: '4567', HOST: '0.0.0.0' })
  t.match((await relata(['serve'])).served, { LOG_LEVEL: 'silent' })
})

t.test('API keys and models other than the sample', async t => {
  const key = 'cli-test-key-0123456789'
  const app = await build(t, { env: { API_KEYS: `${key}:write` } })
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  t.match(await relata(['--url', url, 'export', 'orders']), {
    code: 1,
    stderr: /answered 401: this server needs an API key/
  })
  t.match(await relata(['--url', url, '--api-key', key, 'import', 'customers', '-'], { stdin: customers }), { code: 2 })
  t.match(await relata(['export', 'customers'], { env: { RELATA_URL: url, RELATA_API_KEY: key } }), {
    code: 0,
    stdout: /"id":"c3"/
  })

  const library = new URL('../../../examples/library-model.json', import.meta.url).pathname
  const run = await relata(['--model', library, '--database', 'memory:', 'import', 'authors', '-'], {
    stdin: '{"id":"a1","name":"Le Guin"}\n'
  })
  t.match(JSON.parse(run.stdout), { stored: 1 })
})

/** A stdin that records whether anything read it. */
function watchedInput (text: string): Readable & { touched: boolean } {
  const input = Object.assign(new Readable({
    read () {
      input.touched = true
      this.push(text)
      this.push(null)
    }
  }), { touched: false })
  return input
}

t.test('an unknown route fails at once, before the file is read, sent or the store opened', async t => {
  const dir = await tempDir(t)
  const database = join(dir, 'never.db')
  const env = { DATABASE_URL: `sqlite:${database}` }
  const direct = await relata(['import', 'employees', join(dir, 'no-such-file.ndjson')], { env })
  t.match(direct, { code: 1, stderr: /^relata: no entity has the route 'employees' in the sample model \(MODEL_PATH/ })
  await t.rejects(stat(database), { code: 'ENOENT' }, 'no store was created')

  const app = await build(t)
  let imports = 0
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  app.server.on('request', (request: { url?: string }) => { if (request.url?.includes('/import') === true) imports++ })
  const stdin = watchedInput('{"id":"e1"}\n')
  const remote = await relata(['--url', url, 'import', 'employees', '-'], { stdin })
  t.match(remote, {
    code: 1,
    stderr: /^relata: GET \/api\/employees\?size=1 answered 404: no route GET \/api\/employees/
  })
  t.equal(stdin.touched, false, 'stdin was never read')
  t.equal(imports, 0, 'nothing was uploaded')
})

t.test('the direct import refuses ids that /api/<route>/<id> could not read back', async t => {
  const lines = [
    '{"id":"..","name":"Dots","email":"d@example.com"}',
    '{"id":"c1","name":"Ada","email":"ada@example.com"}',
    '{"id":"stream","name":"S","email":"s@example.com"}'
  ]
  const run = await relata(['import', 'customers', '-'], { env: { DATABASE_URL: 'memory:' }, stdin: lines.join('\n') })
  t.equal(run.code, 2)
  t.match(JSON.parse(run.stdout), {
    stored: 1,
    rejected: 2,
    rejections: [{ line: 1, reason: /the id '\.\.' is reserved/ }, { line: 3, reason: /the id 'stream' is reserved/ }]
  })
})

t.test('export --full is a backup: hidden properties included, and an import restores it whole', async t => {
  const dir = await tempDir(t)
  const model = join(dir, 'model.json')
  await writeFile(model, JSON.stringify({
    entities: {
      Account: {
        schema: {
          type: 'object',
          required: ['name'],
          properties: {
            id: { type: 'string' },
            name: { type: 'string' },
            pin: { type: 'string', 'x-internal': true },
            token: { type: 'string', writeOnly: true }
          }
        }
      }
    }
  }))
  const accounts = [{ id: 'a1', name: 'Ann', pin: '1234', token: 't1' }, { id: 'a2', name: 'Bo', pin: '9876' }]
  const env = { MODEL_PATH: model, DATABASE_URL: `sqlite:${join(dir, 'one.db')}` }
  const stdin = accounts.map(a => JSON.stringify(a)).join('\n')
  t.equal((await relata(['import', 'accounts', '-'], { env, stdin })).code, 0)

  const plain = await relata(['export', 'accounts'], { env })
  const visible = [{ id: 'a1', name: 'Ann' }, { id: 'a2', name: 'Bo' }]
  const lines = (text: string) => text.trim().split('\n').map(line => JSON.parse(line))
  t.same(lines(plain.stdout), visible, 'the plain export shows what the API shows')
  const full = await relata(['export', 'accounts', '--full'], { env })
  t.equal(full.code, 0, full.stderr)
  t.same(full.stdout.trim().split('\n').map(line => JSON.parse(line)), accounts)
  t.match(full.stderr, /export accounts: exported 2 documents/)
  const filtered = await relata(['export', 'accounts', '--full', '--filter', '{"name":"Bo"}'], { env })
  t.same(JSON.parse(filtered.stdout), accounts[1])

  const restored = { ...env, DATABASE_URL: `sqlite:${join(dir, 'two.db')}` }
  t.equal((await relata(['import', 'accounts', '-'], { env: restored, stdin: full.stdout })).code, 0)
  const again = await relata(['export', 'accounts', '--full'], { env: restored })
  t.equal(again.stdout, full.stdout, 'export + import loses nothing')

  t.match(await relata(['export', 'accounts', '--full', '--with', 'all'], { env }), {
    code: 1,
    stderr: /^relata: --full exports the stored documents as they are: drop --with/
  })
  t.match(await relata(['--url', 'http://127.0.0.1:1', 'export', 'accounts', '--full']), {
    code: 1,
    stderr: /^relata: --full reads the store directly and never goes through a server: drop --url \(RELATA_URL\)/
  })
})
