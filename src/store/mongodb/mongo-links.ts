// MongoDB's identity links: one collection for every entity, `relata:links` (a name no entity
// has), a document per link whose `_id` is the entity and the key, indexed for the links of one
// document and for pages in (source, sourceId) order.
import type { IdentityLink, LinkKey, LinkQuery } from '../store.js'
import { linkKeyText } from '../links.js'
import type { CollectionLike, Document } from './driver-surface.js'

export const LINKS_COLLECTION = 'relata:links'

export async function createLinkIndexes (links: CollectionLike): Promise<void> {
  await links.createIndex({ entity: 1, id: 1 }, { name: 'entity_1_id_1' })
  await links.createIndex({ entity: 1, source: 1, sourceId: 1 }, { name: 'entity_1_source_1_sourceId_1' })
}

export function linkDocId (entity: string, key: LinkKey): string {
  return `${entity}\u0000${linkKeyText(key)}`
}

/** The stored fields of a link (its `_id` is linkDocId). */
export function linkDoc (entity: string, link: IdentityLink): Document {
  return { entity, source: link.source, sourceId: link.sourceId, id: link.id }
}

export function fromLinkDoc (doc: Document): IdentityLink {
  return { source: doc.source as string, sourceId: doc.sourceId as string, id: doc.id as string }
}

/** The links of the keys, each with whether its document is in the entity's collection. */
export function resolvePipeline (entity: string, keys: readonly LinkKey[]): Document[] {
  return [
    { $match: { _id: { $in: keys.map(key => linkDocId(entity, key)) } } },
    {
      $lookup: { from: entity, localField: 'id', foreignField: '_id', pipeline: [{ $project: { _id: 1 } }], as: 'doc' }
    },
    { $project: { _id: 0, source: 1, sourceId: 1, id: 1, exists: { $gt: [{ $size: '$doc' }, 0] } } }
  ]
}

/** One page of links and the number of all matches. */
export function linksPagePipeline (entity: string, query: LinkQuery): Document[] {
  const match: Document = { entity }
  if (query.id !== undefined) match.id = query.id
  if (query.source !== undefined) match.source = query.source
  const skip = (query.page - 1) * query.size
  const items = [{ $sort: { source: 1, sourceId: 1 } }, ...(skip > 0 ? [{ $skip: skip }] : []), { $limit: query.size }]
  return [{ $match: match }, { $facet: { items, total: [{ $count: 'n' }] } }]
}
