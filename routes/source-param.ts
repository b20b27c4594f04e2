// The `source` query parameter of the write routes (POST and the NDJSON import) of entities that
// declare source systems (`x-sources`): the documents then carry that source's ids. Entities
// without sources do not take it, so their contract is unchanged.
import { Type, type TOptional, type TString } from 'typebox'
import type { EntityMetadata } from '../src/metadata/types.js'

/** Optional: a write without it carries Relata ids, as on an entity without sources. */
export function sourceParam (meta: EntityMetadata): Record<string, TOptional<TString>> {
  if (meta.sources.length === 0) return {}
  return {
    source: Type.Optional(Type.String({
      enum: [...meta.sources],
      description: 'The source system the documents come from: their ids, and their references to entities taking ' +
        'that source, are its ids. Relata keeps the id it maps each to (identity links, ' +
        `/api/_links/${meta.route}): a document a source sends first gets the id \`<source>:<sourceId>\`, later ` +
        'writes from any source linked to it update it.'
    }))
  }
}

/** The write options of a request that may name a source. */
export function sourceOption (query: unknown): { source?: string } {
  const source = (query as { source?: unknown } | undefined)?.source
  return typeof source === 'string' ? { source } : {}
}
