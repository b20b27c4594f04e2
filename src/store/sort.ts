// `sort=-total,address.city`: a comma list of properties or dotted paths into nested ones, `-`
// for descending and `+` (or nothing) for ascending.
import { BadRequestError } from '../errors.js'
import { resolvePath } from '../metadata/property-paths.js'
import type { EntityMetadata } from '../metadata/types.js'
import type { SortKey } from './store.js'

const MAX_SORT_KEYS = 8
const PATH_SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$/

/** `-total,name`: a sort as `?sort=` writes it, the inverse of parseSort; empty for the default order (by id). */
export function sortText (sort: readonly SortKey[] | undefined = []): string {
  return sort.map(key => (key.desc ? '-' : '') + key.field).join(',')
}

function unknownProperty (field: string, problem: string): BadRequestError {
  return new BadRequestError(`cannot sort by ${problem}`, [{ path: '/sort', message: `unknown property '${field}'` }])
}

/** Checks one sort property: a visible property of `meta`, or a path the schema allows into one. */
function checkSortField (field: string, meta: Pick<EntityMetadata, 'schema' | 'properties'>): void {
  const sortable = `sortable properties are ${meta.properties.join(', ')}, ` +
    'and dotted paths into object properties (address.city)'
  if (meta.properties.includes(field)) return
  const segments = field.split('.')
  if (segments.length === 1 || !meta.properties.includes(segments[0]!)) {
    throw unknownProperty(field, `unknown property '${field}'; ${sortable}`)
  }
  if (!segments.every(s => PATH_SEGMENT.test(s))) {
    throw unknownProperty(field, `'${field}': not a property path; ${sortable}`)
  }
  const resolved = resolvePath(meta, field)
  if (!resolved.ok) throw unknownProperty(field, `'${field}': ${resolved.problem}`)
}

export function parseSort (raw: string, meta: Pick<EntityMetadata, 'schema' | 'properties'>): SortKey[] {
  const parts = raw.split(',').map(p => p.trim()).filter(p => p !== '')
  if (parts.length > MAX_SORT_KEYS) throw new BadRequestError(`sort takes at most ${MAX_SORT_KEYS} properties`)
  return parts.map(part => {
    const desc = part.startsWith('-')
    const field = desc || part.startsWith('+') ? part.slice(1) : part
    checkSortField(field, meta)
    return { field, desc }
  })
}
