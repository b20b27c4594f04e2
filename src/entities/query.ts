// Turns the text of a list or stream request (`filter` JSON, `sort`, `with`) into typed queries.
// Shared by HTTP and the command line so both reject the same inputs with the same words.
import { BadRequestError } from '../errors.js'
import type { Selection } from '../graph/graph.js'
import { parseWith } from '../graph/parse-with.js'
import type { EntityMetadata } from '../metadata/types.js'
import { parseFilter, type Condition } from '../store/filter.js'
import { parseSort } from '../store/sort.js'
import type { SortKey } from '../store/store.js'

export const MAX_FILTER_LENGTH = 8192

export interface RawQuery {
  filter?: string
  sort?: string
  with?: string
}

export interface ParsedQuery {
  filter?: Condition
  sort?: SortKey[]
  selection: Selection
}

export function parseQuery (meta: EntityMetadata, raw: RawQuery): ParsedQuery {
  const parsed: ParsedQuery = { selection: parseWith(meta, raw.with) }
  if (raw.filter !== undefined && raw.filter !== '') parsed.filter = parseFilter(parseJson(raw.filter), meta.properties)
  if (raw.sort !== undefined && raw.sort !== '') parsed.sort = parseSort(raw.sort, meta.properties)
  return parsed
}

function parseJson (text: string): unknown {
  if (text.length > MAX_FILTER_LENGTH) throw new BadRequestError(`filter is longer than ${MAX_FILTER_LENGTH} characters`)
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new BadRequestError(`filter is not valid JSON: ${(err as Error).message}`, [{ path: '/filter', message: 'not valid JSON' }])
  }
}
