// Bounded counting (FindQuery.countLimit): a store counts at most `countLimit + 1` matches, one
// more than the limit so that it can tell "exactly the limit" from "more". This turns what it
// counted into the total it reports: exact, or a lower bound marked as such, never a wrong number.
import { BadRequestError } from '../errors.js'

export function checkCountLimit (countLimit: number | undefined): void {
  if (countLimit === undefined || (Number.isInteger(countLimit) && countLimit >= 0)) return
  throw new BadRequestError(`countLimit must be an integer >= 0, got ${countLimit}`)
}

/** The most matches a store needs to count: one past the limit; undefined counts them all. */
export function countCap (countLimit: number | undefined): number | undefined {
  return countLimit === undefined ? undefined : countLimit + 1
}

/** The total of `counted` matches (never more than the cap): exact unless the limit was passed. */
export function boundedTotal (counted: number, countLimit: number | undefined): { total: number, exact: boolean } {
  return { total: counted, exact: countLimit === undefined || counted <= countLimit }
}
