// REQUIRE_INDEXED_QUERIES: a list or stream whose filter or sort no index serves is refused with
// a 400 that names the property and how to declare its index, instead of reading every document
// of the entity (off the event loop and under the timeout, but a scan all the same). Indexed are
// `id`, each reference (every store indexes them), the first property of each unique key and
// the first key of each declared index (`x-index`, `x-indexes`). Every property a filter names
// must be indexed, in `$or` and `$and` alike: one unindexed branch makes the whole a scan. A
// relation filter joins through the child's reference, so only its own conditions are checked,
// against the child's indexes. A sort's first key must be indexed; later keys break its ties.
import { BadRequestError } from '../errors.js'
import type { RelationshipMetadata } from '../metadata/relationship-metadata.js'
import type { EntityMetadata } from '../metadata/types.js'
import type { Condition } from '../store/filter.js'
import type { SortKey } from '../store/store.js'

const LEADING = new WeakMap<EntityMetadata, ReadonlySet<string>>()

/** The properties of `meta` an index leads: filters on them and sorts beginning with them need no scan. */
export function leadingIndexed (meta: EntityMetadata): ReadonlySet<string> {
  let leading = LEADING.get(meta)
  if (leading === undefined) {
    leading = new Set([
      'id',
      ...meta.refProperties,
      ...meta.uniqueKeys.map(key => key[0]!),
      ...meta.indexes.map(keys => keys[0]!.field)
    ])
    LEADING.set(meta, leading)
  }
  return leading
}

function refuse (meta: EntityMetadata, property: string, use: 'filter' | 'sort'): never {
  const indexed = [...leadingIndexed(meta)].join(', ')
  const declare = property.includes('.')
    ? `'${property}' is a path into a nested object, which no index holds: filter or sort on a top-level ` +
      'property with an index instead'
    : `declare one with "x-index": true on property '${property}' of '${meta.name}', or an "x-indexes" entry ` +
      `that begins with '${property}'`
  throw new BadRequestError(
    `${use} on '${property}' of '${meta.name}' is refused: no index serves it and REQUIRE_INDEXED_QUERIES is on; ` +
      `${declare} (indexed now: ${indexed})`,
    [{ path: `/${use}`, message: `'${property}' of '${meta.name}' has no index` }]
  )
}

function checkCondition (condition: Condition, meta: EntityMetadata, model: RelationshipMetadata): void {
  switch (condition.op) {
    case 'and':
    case 'or':
      for (const part of condition.conditions) checkCondition(part, meta, model)
      return
    case 'some':
    case 'none':
      if (condition.condition !== undefined) checkCondition(condition.condition, model.entity(condition.child), model)
      return
    default:
      if (!leadingIndexed(meta).has(condition.field)) refuse(meta, condition.field, 'filter')
  }
}

/** Throws BadRequestError naming the first property of the filter or the sort no index serves. */
export function checkIndexed (meta: EntityMetadata, model: RelationshipMetadata,
  query: { filter?: Condition | undefined, sort?: readonly SortKey[] | undefined }): void {
  if (query.filter !== undefined) checkCondition(query.filter, meta, model)
  const first = query.sort?.[0]
  if (first !== undefined && !leadingIndexed(meta).has(first.field)) refuse(meta, first.field, 'sort')
}
