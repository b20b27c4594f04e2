// What every store adapter shares about identity links (source ids → document ids): the text of
// a key, the conflict a write meets when a key it links is already linked elsewhere, and the
// checks of a links page. The adapters keep links in a table of their own (one per store).
import { BadRequestError, LinkConflictError } from '../errors.js'
import type { IdentityLink, LinkKey, LinkQuery } from './store.js'

/** One string per (source, sourceId): source names never hold a NUL. */
export function linkKeyText (key: LinkKey): string {
  return `${key.source}\u0000${key.sourceId}`
}

/** The links a write asks for, once per key; two different ids for one key conflict. */
export function distinctLinks (links: readonly IdentityLink[]): IdentityLink[] {
  const byKey = new Map<string, IdentityLink>()
  for (const link of links) {
    const held = byKey.get(linkKeyText(link))
    if (held !== undefined && held.id !== link.id) throw linkConflict(link, held.id)
    byKey.set(linkKeyText(link), link)
  }
  return [...byKey.values()]
}

/** The refusal of a write that links `link.sourceId` to `link.id` while it names `existing`. */
export function linkConflict (link: IdentityLink, existing: string): LinkConflictError {
  return new LinkConflictError(
    `source '${link.source}' id '${link.sourceId}' is already linked to '${existing}', not '${link.id}'; ` +
      'nothing was written (delete that link first to move it)',
    [{ path: `/${link.source}/${link.sourceId}`, message: `linked to '${existing}'` }]
  )
}

export function checkLinkQuery (query: LinkQuery): void {
  if (!Number.isInteger(query.page) || query.page < 1 || !Number.isInteger(query.size) || query.size < 1) {
    throw new BadRequestError(`a links page needs a positive page and size, not ${query.page} and ${query.size}`)
  }
}

/** The link order every store answers pages in: by source, then source id (code unit order). */
export function compareLinks (a: LinkKey, b: LinkKey): number {
  if (a.source !== b.source) return a.source < b.source ? -1 : 1
  return a.sourceId < b.sourceId ? -1 : a.sourceId > b.sourceId ? 1 : 0
}
