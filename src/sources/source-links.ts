// One entity's identity links as the API shows and changes them: a page of them, linking one
// more source id to a stored document (how two systems' records of one thing become one
// document), and removing one. A new link pokes the healer: records parked on that source id
// may now resolve.
import { NotFoundError } from '../errors.js'
import type { EntityMetadata } from '../metadata/types.js'
import type { IdentityLink, LinkKey, LinkQuery, Store } from '../store/store.js'
import { assignedId, checkSource, checkSourceIds } from './source-ids.js'

export class SourceLinks {
  constructor (private readonly meta: EntityMetadata, private readonly store: Store,
    private readonly poke?: (entity: string, ids: readonly string[]) => void) {}

  async page (query: LinkQuery): Promise<{ items: IdentityLink[], total: number }> {
    if (query.source !== undefined) checkSource(this.meta, query.source)
    return await this.store.findLinks(this.meta.name, query)
  }

  /** Links `link.sourceId` to the stored document `link.id`; LinkConflictError when linked elsewhere. */
  async add (link: IdentityLink): Promise<IdentityLink> {
    checkSource(this.meta, link.source)
    checkSourceIds([{ sourceId: link.sourceId }], ['sourceId'], () => '')
    if (await this.store.get(this.meta.name, link.id) === undefined) throw new NotFoundError(this.meta.name, link.id)
    await this.store.upsertMany(this.meta.name, [], [link])
    this.poke?.(this.meta.name, [assignedId(link)])
    return link
  }

  /** False when the key was not linked. */
  async remove (key: LinkKey): Promise<boolean> {
    checkSource(this.meta, key.source)
    return await this.store.deleteLinks(this.meta.name, [key]) > 0
  }
}
