// The next and previous links of a paged list (`page`, `size`), for the Link header and for
// `links` of a normalized answer: the same request with only the page changed.
import type { FastifyReply, FastifyRequest } from 'fastify'

export interface PageLinks {
  next?: string
  prev?: string
}

export function pageLinks (request: FastifyRequest, page: number, size: number, total: number): PageLinks {
  const [path, search = ''] = request.url.split('?') as [string, string?]
  const link = (p: number) => {
    const params = new URLSearchParams(search)
    params.set('page', String(p))
    params.set('size', String(size))
    return `${path}?${params.toString()}`
  }
  const links: PageLinks = {}
  if (page * size < total) links.next = link(page + 1)
  // past the end, prev leads back to the last page that has items
  if (page > 1) links.prev = link(Math.min(page - 1, Math.max(1, Math.ceil(total / size))))
  return links
}

/** Sets `Link: <url>; rel="next", …` when there is any link. */
export function setLinkHeader (reply: FastifyReply, links: PageLinks): void {
  const link = Object.entries(links).map(([rel, url]) => `<${url}>; rel="${rel}"`).join(', ')
  if (link !== '') reply.header('link', link)
}
