// What can be checked of the container without a Docker engine: the Dockerfile's stages and
// runtime settings, that its CMD names a file the build produces, and that the build output
// starts and answers /health with production dependencies only (npm ci --omit=dev).
import t from 'tap'
import { execFile, spawn } from 'node:child_process'
import { copyFile, cp, mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { promisify } from 'node:util'

const run = promisify(execFile)
const ROOT = new URL('../../', import.meta.url).pathname
// Children run as in the image: without the test runner's loaders and coverage collection
// (the build output's source maps would otherwise be merged into the coverage of src/).
const PLAIN_ENV = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/^(NODE_OPTIONS|NODE_V8_COVERAGE|TAP|_TAP)/.test(name))
)

interface Instruction { name: string, args: string }
interface Stage { from: string, as?: string, instructions: Instruction[] }

/** Instructions by stage; continuation lines joined, comments dropped. */
function parseDockerfile (text: string): Stage[] {
  const stages: Stage[] = []
  for (const line of text.replace(/\\\n\s*/g, ' ').split('\n')) {
    const m = /^\s*([A-Z]+)\s+(.*)$/.exec(line)
    if (m === null) continue
    const [, name, args] = m as unknown as [string, string, string]
    if (name === 'FROM') {
      const [, from, as] = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(args)!
      stages.push({ from: from!, ...(as === undefined ? {} : { as }), instructions: [] })
    } else {
      stages.at(-1)!.instructions.push({ name, args: args.trim() })
    }
  }
  return stages
}

const args = (stage: Stage, name: string) => stage.instructions.filter(i => i.name === name).map(i => i.args)

t.setTimeout(300_000)

t.test('the Dockerfile builds with dev dependencies and runs with production ones, as a non-root user', async t => {
  const stages = parseDockerfile(await readFile(join(ROOT, 'Dockerfile'), 'utf8'))
  t.same(stages.map(s => s.as), ['deps', 'build', 'runtime'])
  const [deps, build, runtime] = stages as [Stage, Stage, Stage]
  t.ok(args(deps, 'RUN').some(a => /npm ci .*--omit=dev/.test(a)), 'deps installs production dependencies only')
  t.equal(build.from, 'deps')
  t.ok(args(build, 'RUN').some(a => /^npm ci\b(?!.*--omit)/.test(a)), 'build installs dev dependencies')
  t.ok(args(build, 'RUN').includes('npm run build'))
  for (const copy of args(build, 'COPY')) {
    for (const source of copy.split(/\s+/).slice(0, -1)) t.ok(existsSync(join(ROOT, source)), `COPY ${source} exists`)
  }

  t.equal(runtime.from, deps.from, 'runtime starts from the slim base, not from a stage with build tools')
  t.same(args(runtime, 'COPY'), [
    '--from=deps /app/package.json ./',
    '--from=deps /app/node_modules ./node_modules',
    '--from=build /app/dist ./dist'
  ])
  t.match(args(runtime, 'ENV').join(' '), /\bNODE_ENV=production\b/)
  t.match(args(runtime, 'ENV').join(' '), /\bDATABASE_URL=sqlite:\/data\//, 'the database is on the volume')
  t.same(args(runtime, 'VOLUME'), ['/data'])
  const user = args(runtime, 'USER')
  t.equal(user.length, 1)
  t.notOk(['root', '0'].includes(user[0]!), 'a non-root user')
  t.match(args(runtime, 'HEALTHCHECK')[0], /CMD node -e .*\/health/)
  t.same(args(runtime, 'WORKDIR'), ['/app'])
  t.same(JSON.parse(args(runtime, 'CMD')[0]!), ['node', 'dist/plugins/server.js'])
  const ignored = await readFile(join(ROOT, '.dockerignore'), 'utf8')
  for (const entry of ['node_modules', 'dist', 'data', '.git']) {
    t.match(ignored, new RegExp(`^${entry.replace('.', '\\.')}$`, 'm'), `.dockerignore keeps ${entry} out`)
  }
})

t.test('the build output starts from production dependencies only and passes its HEALTHCHECK', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'relata-image-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const app = join(dir, 'app')

  // `npm run build`, into the image's layout instead of the working tree's dist/.
  await run(
    process.execPath,
    [
      join(ROOT, 'node_modules/typescript/bin/tsc'),
      '-p',
      join(ROOT, 'tsconfig.build.json'),
      '--outDir',
      join(app, 'dist')
    ],
    { env: PLAIN_ENV }
  )
  t.ok((await stat(join(app, 'dist/plugins/server.js'))).isFile(), 'CMD names a file the build produces')
  t.ok((await stat(join(app, 'dist/src/cli/main.js'))).isFile(), 'and the CLI is built too')

  // `npm ci --omit=dev` from the lockfile. Install scripts are skipped: the only one compiles
  // better-sqlite3 (a minute or two), and CI's own `npm ci` already compiled it for this Node,
  // so its binary is copied instead.
  await copyFile(join(ROOT, 'package.json'), join(app, 'package.json'))
  await copyFile(join(ROOT, 'package-lock.json'), join(app, 'package-lock.json'))
  await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: app,
    env: PLAIN_ENV,
    maxBuffer: 10 * 1024 * 1024
  })
  await cp(
    join(ROOT, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'),
    join(app, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node')
  )
  for (const dev of ['typescript', 'tap', 'tsx', 'openapi-typescript', 'playwright-core']) {
    t.notOk(existsSync(join(app, 'node_modules', dev)), `no ${dev}`)
  }

  const env = {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: `sqlite:${join(dir, 'data/relata.db')}`
  }
  const server = spawn(process.execPath, ['dist/plugins/server.js'], {
    cwd: app,
    env,
    stdio: ['ignore', 'pipe', 'inherit']
  })
  const exited = new Promise<number | null>(resolve => server.once('exit', code => resolve(code)))
  t.teardown(() => { if (server.exitCode === null) server.kill('SIGKILL') })
  let port: string | undefined
  for await (const line of createInterface({ input: server.stdout! })) {
    port = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(line)?.[1]
    if (port !== undefined) break
  }
  t.ok(port, 'the server listens')
  // keep draining the server's log after the port line, so a paused pipe can never hold it up
  let log = ''
  server.stdout!.on('data', chunk => { log += String(chunk) })

  const health = await fetch(`http://127.0.0.1:${port}/health`)
  t.same(await health.json(), { status: 'ok', store: { kind: 'sqlite', read: 'ok', write: 'ok' } })
  t.equal(
    (await fetch(`http://127.0.0.1:${port}/docs/model/mermaid.min.js`)).status,
    200,
    'the diagram script is a production dependency'
  )
  const check = await readFile(join(ROOT, 'Dockerfile'), 'utf8')
  const probe = /CMD node -e "(.*)"\n/.exec(check)![1]!
  await t.resolves(
    run(process.execPath, ['-e', probe], { env: { ...env, PORT: port } }),
    'the HEALTHCHECK command passes'
  )

  const cli = await run(
    process.execPath,
    ['dist/src/cli/main.js', '--url', `http://127.0.0.1:${port}`, 'export', 'customers'],
    { cwd: app, env: PLAIN_ENV }
  )
  t.equal(cli.stdout.trim().split('\n').length, 20, 'the built CLI exports the seeded customers')

  server.kill('SIGTERM')
  t.equal(await exited, 0, 'SIGTERM shuts down cleanly', { log })
})
