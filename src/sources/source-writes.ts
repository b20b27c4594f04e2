// A write from a source system, before its references are resolved: each document's id is the
// source's id, which becomes the id a link already gives it or, for a document the source sends
// first, the id Relata assigns (with the link to add, stored in the same write). One
// resolveLinks for the whole write.
import type { SourceContext } from '../integrity/missing-parents.js'
import type { RelationshipMetadata } from '../metadata/relationship-metadata.js'
import type { EntityMetadata } from '../metadata/types.js'
import type { Doc, IdentityLink, Store } from '../store/store.js'
import { assignedId, checkSource, checkSourceIds } from './source-ids.js'

export interface SourceWrite {
  context: SourceContext
  /** The links the write adds: one per document the source sends first. */
  links: IdentityLink[]
}

/**
 * The source ids a write carries: its documents' ids and its references by id to entities taking
 * the source (a reference through a parent key holds that key, whatever the source).
 */
export function sourceIdProperties (meta: EntityMetadata, source: string, model: RelationshipMetadata): string[] {
  const refs = meta.parents.filter(p => p.parentKey === 'id' && model.entity(p.target).sources.includes(source))
    .map(p => p.property)
  return ['id', ...refs]
}

/** Checks the source and the source ids of `docs` (throwing 400s naming them), before anything is read. */
export function checkSourceWrite (meta: EntityMetadata, model: RelationshipMetadata, source: string,
  docs: ReadonlyArray<Record<string, unknown>>, where: (i: number) => string): void {
  checkSource(meta, source)
  checkSourceIds(docs, sourceIdProperties(meta, source, model), where)
}

/** Gives each document its Relata id in place; the references are resolved later, with the context. */
export async function assignSourceIds (store: Store, meta: EntityMetadata, model: RelationshipMetadata,
  source: string, docs: readonly Doc[]): Promise<SourceWrite> {
  const keys = docs.map(doc => ({ source, sourceId: doc.id }))
  const linked = new Map((await store.resolveLinks(meta.name, keys)).map(link => [link.sourceId, link.id]))
  const own = new Map<string, string>()
  const links: IdentityLink[] = []
  for (const doc of docs) {
    const sourceId = doc.id
    let id = linked.get(sourceId)
    if (id === undefined) {
      id = assignedId({ source, sourceId })
      links.push({ source, sourceId, id })
    }
    own.set(sourceId, id)
    doc.id = id
  }
  const takes = (entity: string) => model.entity(entity).sources.includes(source)
  return { context: { source, takes, own }, links }
}
