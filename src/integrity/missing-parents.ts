// The resolution of references, at write time and on healing: which references of a batch point
// at nothing, and, for a write from a source system, which Relata ids its source ids name.
// Batched like the graph builder: one lookup per relationship, whatever the number of documents
// (a getMany for ids, a getManyByKey for parent keys, a resolveLinks for source ids); a new kind
// of reference adds a lookup here, not a pass.
import type { EntityMetadata, ParentRelationship } from '../metadata/types.js'
import { assignedId } from '../sources/source-ids.js'
import type { Doc, Store } from '../store/store.js'
import type { MissingRef } from './parked.js'

/** Relationships whose missing parent changes what a write does (reject or park). */
export function checkedParents (meta: EntityMetadata): ParentRelationship[] {
  return meta.parents.filter(p => p.onMissingParent !== 'allow')
}

/** A write from a source system: the references to entities taking its ids carry them. */
export interface SourceContext {
  source: string
  /** Whether `entity` takes this source's ids (declares it in `x-sources`). */
  takes: (entity: string) => boolean
  /** The write's own source ids and the ids they got: a self-reference to a document of the same write. */
  own: ReadonlyMap<string, string>
}

/**
 * Whether the references through `rel` hold source ids in this write: those to an entity taking
 * the source, unless they hold a parent key, which is the same value whoever sends it.
 */
export function bySource (rel: ParentRelationship, context: SourceContext | undefined): boolean {
  return context !== undefined && rel.parentKey === 'id' && context.takes(rel.target)
}

/**
 * Which of `values` some `target` document holds in `key` (`id`, or a single-property unique
 * key): one getMany or one getManyByKey, whatever their number.
 */
export async function heldValues (store: Store, target: string, key: string,
  values: readonly string[]): Promise<Set<string>> {
  if (values.length === 0) return new Set()
  const found = key === 'id' ? await store.getMany(target, values) : await store.getManyByKey(target, key, values)
  const held = new Set<string>()
  for (const doc of found) if (typeof doc[key] === 'string') held.add(doc[key])
  return held
}

/** The reference of `rel` holding `value` that points at nothing. */
function missingRef (rel: ParentRelationship, value: string): MissingRef {
  const { property, target, parentKey } = rel
  return parentKey === 'id' ? { property, target, id: value } : { property, target, key: parentKey, value }
}

/**
 * The missing references of each document through `relationships`, by position (documents with
 * none are absent). A null or absent key is no reference. A parent written in the same batch (a
 * category and its parent category) exists. With a source context, references holding source
 * ids are rewritten in place to the ids they name, or to the id the parent will be assigned when
 * no link names it yet (then missing, remembering the source id).
 */
export async function findMissing (
  store: Store,
  relationships: readonly ParentRelationship[],
  docs: readonly Doc[],
  context?: SourceContext
): Promise<Map<number, MissingRef[]>> {
  const missing = new Map<number, MissingRef[]>()
  const add = (index: number, ref: MissingRef) => {
    let refs = missing.get(index)
    if (refs === undefined) missing.set(index, (refs = []))
    refs.push(ref)
  }
  for (const rel of relationships) {
    if (bySource(rel, context)) await resolveSourceRefs(store, rel, docs, context!, add)
    else await checkRefs(store, rel, docs, add)
  }
  return missing
}

/** References holding the parent's id or key: one lookup of the values the batch names. */
async function checkRefs (store: Store, rel: ParentRelationship, docs: readonly Doc[],
  add: (index: number, ref: MissingRef) => void): Promise<void> {
  const wanted = new Set<string>()
  for (const doc of docs) {
    const value = doc[rel.property]
    if (typeof value === 'string') wanted.add(value)
  }
  if (wanted.size === 0) return
  const existing = await heldValues(store, rel.target, rel.parentKey, [...wanted])
  if (rel.target === rel.entity) {
    for (const doc of docs) {
      const own = doc[rel.parentKey]
      if (typeof own === 'string') existing.add(own)
    }
  }
  docs.forEach((doc, index) => {
    const value = doc[rel.property]
    if (typeof value === 'string' && !existing.has(value)) add(index, missingRef(rel, value))
  })
}

async function resolveSourceRefs (store: Store, rel: ParentRelationship, docs: readonly Doc[],
  context: SourceContext, add: (index: number, ref: MissingRef) => void): Promise<void> {
  const { source } = context
  const self = rel.target === rel.entity ? context.own : new Map<string, string>()
  const wanted = new Set<string>()
  for (const doc of docs) {
    const sourceId = doc[rel.property]
    if (typeof sourceId === 'string' && !self.has(sourceId)) wanted.add(sourceId)
  }
  const keys = [...wanted].map(sourceId => ({ source, sourceId }))
  const links = new Map((keys.length === 0 ? [] : await store.resolveLinks(rel.target, keys))
    .map(link => [link.sourceId, link]))
  docs.forEach((doc, index) => {
    const sourceId = doc[rel.property]
    if (typeof sourceId !== 'string') return
    const written = self.get(sourceId)
    const link = links.get(sourceId)
    const id = written ?? link?.id ?? assignedId({ source, sourceId })
    doc[rel.property] = id
    if (written !== undefined || link?.exists === true) return
    // linked to a document not stored (parked or deleted): it waits on that id; unlinked: on the source id too
    add(index, { property: rel.property, target: rel.target, id, ...(link === undefined ? { source, sourceId } : {}) })
  })
}
