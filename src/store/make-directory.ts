// Creates a directory and its missing parents. fs.mkdir's `recursive` loops forever where a
// parent exists but cannot hold children (under /proc, or a dangling symlink): mkdir says
// ENOENT there, which it reads as "create the parent first", over and over. This walk goes
// up once and then only down, so such a path fails at once with the OS error.
import { mkdir, stat } from 'node:fs/promises'
import { dirname } from 'node:path'

export async function makeDirectory (path: string): Promise<void> {
  try {
    await mkdir(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') return await mustBeDirectory(path, error)
    const parent = dirname(path)
    if (code !== 'ENOENT' || parent === path) throw error
    await makeDirectory(parent)
    await createOnce(path)
  }
}

/** The parent exists now: a second ENOENT is final. */
async function createOnce (path: string): Promise<void> {
  try {
    await mkdir(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    await mustBeDirectory(path, error)
  }
}

/** Something exists at `path`: fine if it is a directory (or links to one), else `error`. */
async function mustBeDirectory (path: string, error: unknown): Promise<void> {
  // a dangling symlink fails here with its own ENOENT, which names it
  if (!(await stat(path)).isDirectory()) throw error
}
