// The plan that works on every store: documents read from the store (as their stored text where
// the answer is spliced and the entity hides nothing), without their hidden properties, enriched
// by the graph builder (one round trip per relationship, whatever the number of documents), then
// trimmed to `fields` (last, since building a graph needs the references a client may leave out).
import { NotFoundError } from '../errors.js'
import type { HiddenFields } from '../model/hidden-fields.js'
import type { Doc, FindQuery, ReadForm, Store, StreamQuery } from '../store/store.js'
import { trimFields } from './fields.js'
import type { Graph, GraphRequest, Selection } from './graph.js'
import type { GraphBuilder } from './graph-builder.js'
import type { OneReader, PlanPage, PlanRead, PlanRequest, ReadPlan } from './read-plan.js'

export class BatchedPlan implements ReadPlan {
  constructor (
    private readonly store: Store,
    private readonly graphs: GraphBuilder,
    private readonly hidden: HiddenFields
  ) {}

  oneOf<T> (asked: PlanRequest<T>): OneReader<T> {
    const { entity, built, request, form } = asked
    // a document answered as it is needs its text only (ReadForm.bare)
    const { text, bare } = this.hidden.form(entity, form.spliced, built === undefined)
    const whole = built === undefined && request.fields === undefined
    return async (id, signal) => {
      const found = await this.store.get(entity, id, { text, bare, signal })
      if (found === undefined) throw new NotFoundError(entity, id)
      const visible = this.hidden.one(entity, found)
      if (whole) return form.ofOne(visible, undefined)
      const [answer] = await this.answer([visible], built, request, form.spliced, signal)
      return form.ofOne(answer!, built)
    }
  }

  async page<T> (asked: PlanRequest<T>, query: FindQuery): Promise<PlanPage<T>> {
    const { items, ...counts } = await this.store.find(asked.entity, { ...query, ...this.#form(asked) },
      { signal: asked.request.signal })
    return { read: this.#read(items, asked), ...counts }
  }

  async * stream<T> (asked: PlanRequest<T>, query: StreamQuery): AsyncGenerator<PlanRead<T>> {
    const batches = this.store.stream(asked.entity, { ...query, ...this.#form(asked) },
      { signal: asked.request.signal })
    for await (const stored of batches) yield this.#read(stored, asked)
  }

  /**
   * Documents as reads answer them: graphs when `built` is given (whatever it selects, also
   * nothing), trimmed to `fields`. `text` reads the relatives as their stored text; `signal`
   * (the request's own when not given) cancels their reads.
   */
  async answer (docs: readonly Doc[], built: Selection | undefined, request: GraphRequest,
    text = false, signal = request.signal): Promise<Array<Doc | Graph>> {
    if (built === undefined) return trimFields(docs, request.fields, undefined)
    const counts = request.counts ?? []
    const graphs = await this.graphs.build(docs, built, {
      ...(request.children === undefined ? {} : { children: request.children }),
      ...(counts.length === 0 ? {} : { counts }),
      ...(request.fields === undefined ? {} : { fields: request.fields }),
      ...(text ? { text: true } : {}),
      ...(signal === undefined ? {} : { signal })
    })
    return trimFields(graphs, request.fields, built)
  }

  /** As stored text where the answer is spliced, unless the entity hides properties: those are parsed to drop them. */
  #form<T> (asked: PlanRequest<T>): ReadForm {
    return this.hidden.form(asked.entity, asked.form.spliced)
  }

  #read<T> (stored: Doc[], asked: PlanRequest<T>): PlanRead<T> {
    const { entity, built, request, form } = asked
    return {
      length: stored.length,
      stored: index => stored[index]!,
      answers: async count => {
        const visible = this.hidden.all(entity, count < stored.length ? stored.slice(0, count) : stored)
        return form.of(await this.answer(visible, built, request, form.spliced), built)
      }
    }
  }
}
