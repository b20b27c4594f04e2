// Another version of Relata beside this one, for a same-run comparison (bench/before-after.ts):
// checks a git ref out into a temporary detached worktree, gives it this checkout's node_modules
// when every direct dependency it declares is installed here at the version its own lockfile
// pins (else runs `npm ci --prefer-offline` there), and compiles that version's own bench server
// child and data builder with tsc, so that each side serves and builds its data with its own code.
import { execFile, execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface VersionCheckout {
  dir: string
  commit: string
  /** How the checkout got its dependencies. */
  nodeModules: 'symlinked to this checkout\'s' | 'npm ci --prefer-offline'
  /** Why the dependencies were or were not shared. */
  nodeModulesReason: string
  /** That version's bench/lib/server.js, compiled: a server child for spawnServer's `script`. */
  serverScript: string
  /** That version's bench/lib/dataset.js, compiled: exports `dataset(orders)`. */
  datasetScript: string
  remove: () => void
}

function git (...args: string[]): string {
  return execFileSync('git', ['-C', ROOT, ...args], { encoding: 'utf8' }).trim()
}

interface PackageJson {
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
}

interface Lockfile {
  packages?: Record<string, { version?: string }>
}

/** The first direct dependency of `dir` whose locked version is not the one installed here, if any. */
function dependencyMismatch (dir: string): string | undefined {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson
  const lockPath = join(dir, 'package-lock.json')
  if (!existsSync(lockPath)) return 'it has no package-lock.json'
  const lock = JSON.parse(readFileSync(lockPath, 'utf8')) as Lockfile
  const names = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies })
  for (const name of names) {
    const locked = lock.packages?.[`node_modules/${name}`]?.version
    const installedPath = join(ROOT, 'node_modules', name, 'package.json')
    const installed = existsSync(installedPath)
      ? (JSON.parse(readFileSync(installedPath, 'utf8')) as { version: string }).version
      : undefined
    if (locked !== installed) {
      return `${name}: it locks ${locked ?? 'nothing'}, this checkout has ${installed ?? 'none'}`
    }
  }
  return undefined
}

/**
 * Compiles `entries` of the checkout (and what they import) into `<dir>/.bench-build`, without
 * blocking, so that the bench compiles this checkout's own server beside it.
 */
async function compile (dir: string, entries: readonly string[]): Promise<string> {
  const out = join(dir, '.bench-build')
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  await promisify(execFile)(process.execPath, [tsc, ...entries.map(e => join(dir, e)), '--outDir', out,
    '--rootDir', dir, '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022', '--sourceMap',
    '--skipLibCheck', '--esModuleInterop', '--resolveJsonModule', '--types', 'node', '--noCheck'])
  // the compiled files find node_modules by walking up from .bench-build to the checkout
  writeFileSync(join(out, 'package.json'), '{"type":"module"}\n')
  return out
}

export async function checkoutVersion (ref: string): Promise<VersionCheckout> {
  const commit = git('rev-parse', '--verify', `${ref}^{commit}`)
  const dir = join(mkdtempSync(join(tmpdir(), 'relata-version-')), 'checkout')
  git('worktree', 'add', '--detach', dir, commit)
  let removed = false
  function remove (): void {
    if (removed) return
    removed = true
    try {
      git('worktree', 'remove', '--force', dir)
    } catch {
      rmSync(dir, { recursive: true, force: true })
      git('worktree', 'prune')
    }
    rmSync(join(dir, '..'), { recursive: true, force: true })
  }
  // a bench that fails or passes its deadline exits without its finally blocks
  process.once('exit', remove)
  try {
    const mismatch = dependencyMismatch(dir)
    if (mismatch === undefined) symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
    else execFileSync('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'inherit' })
    const out = await compile(dir, ['bench/lib/server.ts', 'bench/lib/dataset.ts'])
    return {
      dir,
      commit,
      nodeModules: mismatch === undefined ? 'symlinked to this checkout\'s' : 'npm ci --prefer-offline',
      nodeModulesReason: mismatch ?? 'every direct dependency it declares is installed here at the version it locks',
      serverScript: join(out, 'bench', 'lib', 'server.js'),
      datasetScript: join(out, 'bench', 'lib', 'dataset.js'),
      remove
    }
  } catch (error) {
    remove()
    throw error
  }
}

/**
 * Builds that version's sample shop of `orders` orders with its own dataset.ts into a folder of
 * its own (its cache clears files of the same size made by other code), and returns the file.
 */
export function buildVersionDataset (checkout: VersionCheckout, orders: number, dir: string): string {
  const script = `const { dataset } = await import(${JSON.stringify(`file://${checkout.datasetScript}`)});\n` +
    `const data = await dataset(${orders});\nprocess.stdout.write(JSON.stringify(data.path))\n`
  // a file, not `--input-type=module -e`: the read workers the store starts inherit the flags of
  // this process, and a worker started from a file refuses --input-type
  const file = join(checkout.dir, '.bench-build', 'build-dataset.mjs')
  writeFileSync(file, script)
  const out = execFileSync(process.execPath, [file], {
    env: { ...process.env, TMPDIR: dir },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit']
  })
  return JSON.parse(out) as string
}
