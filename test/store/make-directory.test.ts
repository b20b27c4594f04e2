// makeDirectory: creates missing parents like `mkdir -p`, and fails at once, with the OS error,
// where fs.mkdir's recursive mode would loop forever.
import t, { type Test } from 'tap'
import { existsSync, statSync } from 'node:fs'
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeDirectory } from '../../src/store/make-directory.js'

async function tempDir (t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'relata-mkdir-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

t.test('creates every missing level, and accepts one that exists', async t => {
  const dir = await tempDir(t)
  const deep = join(dir, 'a', 'b', 'c')
  await makeDirectory(deep)
  t.ok(statSync(deep).isDirectory())
  await makeDirectory(deep)
  await makeDirectory(dir)
  t.ok(statSync(deep).isDirectory(), 'existing directories are left as they are')
})

t.test('fails with the OS error where a level cannot be a directory', async t => {
  const dir = await tempDir(t)
  await writeFile(join(dir, 'file'), '')
  await t.rejects(makeDirectory(join(dir, 'file', 'below')), { code: 'ENOTDIR' })
  await t.rejects(makeDirectory(join(dir, 'file')), { code: 'EEXIST' }, 'a file is not a directory')
  await symlink(join(dir, 'missing'), join(dir, 'dangling'))
  await t.rejects(
    makeDirectory(join(dir, 'dangling', 'x', 'y')),
    { code: 'ENOENT', message: /dangling'/ },
    'a dangling symlink on the way'
  )
  t.notOk(existsSync(join(dir, 'missing')), 'nothing is created through the dangling link')
  if (existsSync('/proc/self')) {
    await t.rejects(makeDirectory('/proc/forbidden/x'), { code: 'ENOENT', message: /mkdir '\/proc\/forbidden'/ })
  }
})
