// How a list tells its total: `X-Total-Count` only ever carries an exact number; past the count
// limit a list says `X-Total-Count-At-Least` instead (and with total=estimated, where the store
// has one, `X-Total-Count-Estimate`), so no client can take a bound for the total by mistake.
import type { FastifyReply } from 'fastify'
import { Type } from 'typebox'
import type { Page } from '../src/entities/entity-api.js'

export const totalParam = Type.Optional(
  Type.Enum(['bounded', 'exact', 'estimated'], {
    description:
      'How the matches are counted. `bounded` (default): exactly up to COUNT_LIMIT (or as far as the page reaches), ' +
        'in X-Total-Count; past that only X-Total-Count-At-Least, at the cost of counting that far. `exact`: ' +
        'always X-Total-Count, counting every match whatever it costs. `estimated`: as `bounded`, plus ' +
        'X-Total-Count-Estimate past the limit where the store has an estimate (PostgreSQL\'s planner).',
    examples: ['exact']
  })
)

/** The total headers a list may answer, for the response schema (and the OpenAPI). */
export const totalHeaders = {
  'x-total-count': Type.Integer({
    minimum: 0,
    description: 'The exact number of matches of the filter across all pages; absent when only a bound is known'
  }),
  'x-total-count-at-least': Type.Integer({
    minimum: 1,
    description: 'Instead of X-Total-Count when more match than were counted: at least this many match'
  }),
  'x-total-count-estimate': Type.Integer({
    minimum: 1,
    description: 'With total=estimated, beside X-Total-Count-At-Least: the store\'s estimate of the matches ' +
      '(statistics, may be off either way; never below the bound)'
  })
}

export function setTotalHeaders (reply: FastifyReply, page: Pick<Page, 'total' | 'exact' | 'estimate'>): void {
  if (page.exact) {
    reply.header('x-total-count', page.total)
    return
  }
  reply.header('x-total-count-at-least', page.total)
  if (page.estimate !== undefined) reply.header('x-total-count-estimate', page.estimate)
}
