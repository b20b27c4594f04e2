// Row budgets: before a graph is loaded, the most related documents it could hold is computed
// from the selection alone (a parent is at most one document, a child list at most its limit)
// and a request over the budget is refused with the relation to limit. Bounding the worst case,
// not the data at hand, keeps the refusal up front and the same for every store and page.
// The count is made once per parsed request (store/identity-memo.ts), as its graph plan is.
import { RowBudgetError } from '../errors.js'
import { PLANS_KEPT } from '../store/graph-plan.js'
import { IdentityMemo } from '../store/identity-memo.js'
import type { ChildQueries, GraphRequest, Selection } from './graph.js'
import { childEntities, edgesOf } from './selection.js'

export interface RowBudgetOptions {
  /** Most related documents one answer (a GET, a page, a stream batch) may load. */
  rowBudget: number
  /** The server's cap on children per parent and relationship. */
  childLimit: number
}

/** The most related documents one root document's graph can hold. */
function rowsPerRoot (selection: Selection, children: ChildQueries, childLimit: number): number {
  let rows = 0
  for (const { child, next } of edgesOf(selection)) {
    // each document reached, and what its own graph holds
    const each = 1 + (next === undefined ? 0 : rowsPerRoot(next, children, childLimit))
    rows += child === undefined ? each : perParent(child.child, children, childLimit) * each
  }
  return rows
}

function perParent (child: string, children: ChildQueries, childLimit: number): number {
  return Math.min(children[child]?.limit ?? childLimit, childLimit)
}

export class RowBudget {
  /** rowsPerRoot of each selection and child queries. */
  readonly #perRoot = new IdentityMemo<number>(PLANS_KEPT)

  constructor (private readonly options: RowBudgetOptions) {}

  #rowsPerRoot (selection: Selection, request: GraphRequest): number {
    return this.#perRoot.of('', [selection, request.children],
      () => rowsPerRoot(selection, request.children ?? {}, this.options.childLimit))
  }

  /** Throws RowBudgetError when `roots` documents of `entity` could load more than the budget. */
  check (entity: string, roots: number, selection: Selection, request: GraphRequest = {}): void {
    const children = request.children ?? {}
    const perRoot = this.#rowsPerRoot(selection, request)
    if (roots * perRoot > this.options.rowBudget) this.#refuse(entity, roots, selection, children, perRoot)
  }

  /**
   * How many documents of a stream to enrich at once: `wanted`, or fewer so that a batch stays
   * within the budget. Throws when even one document could load more than the budget.
   */
  batchSize (entity: string, wanted: number, selection: Selection, request: GraphRequest = {}): number {
    const children = request.children ?? {}
    const perRoot = this.#rowsPerRoot(selection, request)
    if (perRoot > this.options.rowBudget) this.#refuse(entity, 1, selection, children, perRoot)
    return perRoot === 0 ? wanted : Math.max(1, Math.min(wanted, Math.floor(this.options.rowBudget / perRoot)))
  }

  #refuse (entity: string, roots: number, selection: Selection, children: ChildQueries, perRoot: number): never {
    const { rowBudget, childLimit } = this.options
    const worst = roots * perRoot
    const advice = this.#limitsThatFit(roots, selection, children)
    // a smaller page that fits as the request is, when the request is for more than one document
    const size = roots > 1 ? Math.floor(rowBudget / perRoot) : 0
    const fewer = size >= 1
      ? `ask for at most ${size} document${size === 1 ? '' : 's'} (size=${size})`
      : 'ask for fewer documents'
    const whom = roots === 1 ? `one ${entity}` : `${roots} ${entity} documents`
    const fixes = advice.length === 0
      ? `no single child limit is enough: shorten with (fewer relationships or a smaller depth) or ${fewer}`
      : `add ${advice.map(a => `limit[${a.child}]=${a.limit}`).join(' or ')} (children per parent), ` +
        `or ${fewer} or a shorter with`
    const errors = advice.length === 0
      ? [{ path: '/with', message: `loads up to ${perRoot} related documents per ${entity}` }]
      : advice.map(a => ({ path: `/limit[${a.child}]`, message: `at most ${a.limit} fits the budget` }))
    if (size >= 1) errors.push({ path: '/size', message: `at most ${size} fits the budget` })
    throw new RowBudgetError(
      `with may load up to ${worst.toLocaleString('en-US')} related documents for ${whom} ` +
        `(children count up to their limit, CHILD_LIMIT=${childLimit}), ` +
        `over the server's budget of ${rowBudget.toLocaleString('en-US')} per answer (ROW_BUDGET): ${fixes}`,
      errors)
  }

  /**
   * The child limits that would make the request fit, each with the others as they are, the
   * most generous first. Never 0: a list cut to nothing loads none of what was asked (count=
   * does that on purpose).
   */
  #limitsThatFit (roots: number, selection: Selection,
    children: ChildQueries): Array<{ child: string, limit: number }> {
    const { rowBudget, childLimit } = this.options
    const fits = (queries: ChildQueries) => roots * rowsPerRoot(selection, queries, childLimit) <= rowBudget
    const advice: Array<{ child: string, limit: number }> = []
    for (const child of childEntities(selection)) {
      const current = perParent(child, children, childLimit)
      const withLimit = (limit: number): ChildQueries => ({ ...children, [child]: { ...children[child], limit } })
      if (current < 1 || !fits(withLimit(1))) continue
      let [low, high] = [1, current]
      while (low < high) {
        const mid = Math.ceil((low + high) / 2)
        if (fits(withLimit(mid))) low = mid
        else high = mid - 1
      }
      advice.push({ child, limit: low })
    }
    return advice.sort((a, b) => b.limit - a.limit)
  }
}
