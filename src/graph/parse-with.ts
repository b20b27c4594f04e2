// Parses `?with=`: `all`, or a comma list of parent properties (`customerId`), child entities
// (`OrderItem`, every reference it has to this entity) and `Child.refProp`. Parsed selections
// are cached per entity and text in a bounded LRU, since the text comes from clients.
import { LRUCache } from 'lru-cache'
import { BadRequestError } from '../errors.js'
import type { EntityMetadata } from '../metadata/types.js'
import type { Selection } from './graph.js'

export const MAX_WITH_LENGTH = 2048
const NONE: Selection = Object.freeze({ parents: [], children: [] })
const cache = new LRUCache<string, Selection>({ max: 2000 })

export function validWithNames (meta: EntityMetadata): string[] {
  const childNames = new Set(meta.children.map(c => c.child))
  return ['all', ...meta.parents.map(p => p.property), ...childNames, ...meta.children.map(c => c.key)]
}

export function parseWith (meta: EntityMetadata, raw: string | undefined): Selection {
  if (raw === undefined || raw === '') return NONE
  const key = `${meta.name}\0${raw}`
  let selection = cache.get(key)
  if (selection === undefined) {
    selection = resolve(meta, raw)
    cache.set(key, selection)
  }
  return selection
}

function resolve (meta: EntityMetadata, raw: string): Selection {
  if (raw.length > MAX_WITH_LENGTH) throw new BadRequestError(`with is longer than ${MAX_WITH_LENGTH} characters`)
  const names = raw.split(',').map(n => n.trim()).filter(n => n !== '')
  if (names.includes('all')) return Object.freeze({ parents: meta.parents, children: meta.children })
  const parents = new Set(meta.parents.filter(p => names.includes(p.property)))
  const children = new Set(meta.children.filter(c => names.includes(c.child) || names.includes(c.key)))
  const unknown = names.filter(n => !meta.parents.some(p => p.property === n) && !meta.children.some(c => c.child === n || c.key === n))
  if (unknown.length > 0) {
    const valid = validWithNames(meta)
    throw new BadRequestError(
      `unknown relationship ${unknown.map(n => `'${n}'`).join(', ')} in with; ${meta.name} accepts ${valid.join(', ')}`,
      unknown.map(n => ({ path: '/with', message: `unknown relationship '${n}'` })))
  }
  return Object.freeze({ parents: [...parents], children: [...children] })
}
