// How a read's documents and graphs are fetched: a plan reads what a page or a stream batch
// answers, and hands it back unanswered, so that the caller takes a cursor from a stored document
// and answers only what it shows; a single GET, which takes no cursor, the plan answers itself,
// through a reader made once per parsed request (what depends on the request alone is decided
// then, not per GET).
// Two plans exist: graphs that the store builds itself as JSON text (graph-texts.ts) and
// documents enriched by batched relationship reads (batched-plan.ts); the read pipeline
// (entities/entity-reads.ts) chooses between them.
import type { Doc, FindQuery, StreamQuery } from '../store/store.js'
import type { AnswerForm } from './answer-form.js'
import type { GraphRequest, Selection } from './graph.js'

/** What a read asks of a plan, besides which documents. */
export interface PlanRequest<T> {
  entity: string
  /** The selection the answers are graphs of; undefined for plain documents. */
  built: Selection | undefined
  /** Child limits and orders, counts, fields and the signal. */
  request: GraphRequest
  form: AnswerForm<T>
}

/** What a plan read, not answered yet. */
export interface PlanRead<T> {
  readonly length: number
  /** The document at `index` as stored, before anything trims it: where a cursor is taken from. */
  stored: (index: number) => Doc
  /** The first `count` documents' answers. */
  answers: (count: number) => Promise<T[]>
}

/** A page as a plan read it: FindResult's counts. */
export interface PlanPage<T> {
  read: PlanRead<T>
  total: number
  exact: boolean
  estimate?: number
}

/**
 * The answer of the document `id` (its graph when the request's `built` is given), read with
 * `signal`; rejects with NotFoundError when it does not exist. Answered at once: a GET takes no
 * cursor, so nothing is left unanswered.
 */
export type OneReader<T> = (id: string, signal: AbortSignal | undefined) => Promise<T>

export interface ReadPlan {
  /**
   * The reader of single documents for `asked`, whose request's own signal it never reads: made
   * once, it serves every GET of a parsed request, each with its own signal.
   */
  oneOf: <T>(asked: PlanRequest<T>) => OneReader<T>
  page: <T>(asked: PlanRequest<T>, query: FindQuery) => Promise<PlanPage<T>>
  /** Every match, `query.batchSize` at a time, one round trip each. */
  stream: <T>(asked: PlanRequest<T>, query: StreamQuery) => AsyncIterable<PlanRead<T>>
}
