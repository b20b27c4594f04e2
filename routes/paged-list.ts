// What the paged lists of the admin routes (identity links, parked writes) share: `page` and
// `size` in the query, one page of items as the body, and X-Total-Count and Link saying the rest.
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { pageLinks, setLinkHeader } from './page-links.js'

/** The 1-based `page` query parameter, the same on every paged list. */
export const pageParam = Type.Integer({
  minimum: 1, maximum: 1_000_000, default: 1, description: '1-based page number'
})

/** `page` and `size` (at most 1000, 50 by default) of a list whose items are `what`. */
export function pagingQuery (what: string) {
  return {
    page: pageParam,
    size: Type.Integer({ minimum: 1, maximum: 1000, default: 50, description: `${what} per page` })
  }
}

/** The items of one page, with the number of all matches and the next and previous pages in headers. */
export function sendPage<T> (
  request: FastifyRequest, reply: FastifyReply, { page, size }: { page: number, size: number },
  { items, total }: { items: T[], total: number }
): T[] {
  reply.header('x-total-count', total)
  setLinkHeader(reply, pageLinks(request, page, size, total))
  return items
}
