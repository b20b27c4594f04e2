// `sort=-total,name`: a comma list of properties, `-` for descending.
import { BadRequestError } from '../errors.js'
import type { SortKey } from './store.js'

const MAX_SORT_KEYS = 8

/** `-total,name`: a sort as `?sort=` writes it, the inverse of parseSort; empty for the default order (by id). */
export function sortText (sort: readonly SortKey[] | undefined = []): string {
  return sort.map(key => (key.desc ? '-' : '') + key.field).join(',')
}

export function parseSort (raw: string, fields: readonly string[]): SortKey[] {
  const parts = raw.split(',').map(p => p.trim()).filter(p => p !== '')
  if (parts.length > MAX_SORT_KEYS) throw new BadRequestError(`sort takes at most ${MAX_SORT_KEYS} properties`)
  return parts.map(part => {
    const desc = part.startsWith('-')
    const field = desc ? part.slice(1) : part
    if (!fields.includes(field)) {
      throw new BadRequestError(`cannot sort by unknown property '${field}'; sortable properties are ${fields.join(', ')}`,
        [{ path: '/sort', message: `unknown property '${field}'` }])
    }
    return { field, desc }
  })
}
