// Loads a model from a `.json` file or from a JS/TS module exporting it (default export
// or `model`). Shape errors name the file; relationship errors are the metadata's job.
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ModelError } from '../errors.js'
import type { ModelDefinition } from './model.js'

export async function loadModel (path: string): Promise<ModelDefinition> {
  const file = resolve(path)
  let loaded: unknown
  try {
    if (file.endsWith('.json')) {
      loaded = JSON.parse(await readFile(file, 'utf8'))
    } else {
      const mod = await import(pathToFileURL(file).href) as Record<string, unknown>
      loaded = mod.default ?? mod.model
    }
  } catch (err) {
    throw new ModelError(`cannot load model from ${file}: ${(err as Error).message}`)
  }
  return assertModelShape(loaded, file)
}

export function assertModelShape (value: unknown, source = 'model'): ModelDefinition {
  const entities = (value as { entities?: unknown } | null)?.entities
  if (entities === null || typeof entities !== 'object' || Array.isArray(entities)) {
    throw new ModelError(`${source}: expected { "entities": { "<Name>": { "schema": {...} } } }`)
  }
  for (const [name, def] of Object.entries(entities)) {
    const schema = (def as { schema?: unknown } | null)?.schema
    if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) {
      throw new ModelError(`${source}: entity '${name}' has no "schema" object`)
    }
    const route = (def as { route?: unknown }).route
    if (route !== undefined && typeof route !== 'string') {
      throw new ModelError(`${source}: entity '${name}' has a "route" that is not a string`)
    }
  }
  return value as ModelDefinition
}
