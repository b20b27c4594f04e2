// A graph request in the words of a store that builds graphs itself (store/graph-plan.ts):
// the selection, child limits and orders, counts and fields of a request, and the hidden
// properties of each entity reached, resolved into one tree that mirrors the answer's shape.
import type { ChildEdge, DocPlan, GraphPlan, ParentEdge } from '../store/graph-plan.js'
import { below } from './child-page-link.js'
import type { HiddenFields } from '../model/hidden-fields.js'
import type { FieldSelection } from './fields.js'
import type { GraphRequest, Selection } from './graph.js'

export interface PlanOptions {
  /** The server's cap on children per parent and relationship. */
  childLimit: number
  /** Which properties of each entity are hidden. */
  hidden: Pick<HiddenFields, 'names'>
}

function docPlan (entity: string, fields: FieldSelection | undefined, options: PlanOptions): DocPlan {
  const keep = fields?.keep
  return { hidden: options.hidden.names(entity), ...(keep === undefined ? {} : { keep: [...keep] }) }
}

/**
 * The plan of graphs of `entity` as the batched builder makes them and trimFields trims them:
 * counts at the top only, a relative a graph where `selection.nested` goes on.
 */
export function storeGraphPlan (entity: string, selection: Selection, request: GraphRequest,
  options: PlanOptions): GraphPlan {
  const loaded = new Set(selection.children.map(rel => rel.key))
  const counts = (request.counts ?? []).filter(rel => !loaded.has(rel.key))
  return {
    ...nodePlan(entity, selection, request, options),
    counts: counts.map(rel => ({ child: rel.child, property: rel.property, parentKey: rel.parentKey, key: rel.key }))
  }
}

function nodePlan (entity: string, selection: Selection, request: GraphRequest, options: PlanOptions): GraphPlan {
  const relative = (target: string, key: string): DocPlan | GraphPlan => {
    const next = selection.nested?.[key]
    const request_ = below(request, key)
    return next === undefined
      ? docPlan(target, request_.fields, options)
      : nodePlan(target, next, request_, options)
  }
  const parents = selection.parents.map((rel): ParentEdge => ({
    property: rel.property, target: rel.target, parentKey: rel.parentKey, below: relative(rel.target, rel.property)
  }))
  const children = selection.children.map(function childEdge (rel): ChildEdge {
    const query = request.children?.[rel.child] ?? {}
    const limit = Math.min(query.limit ?? options.childLimit, options.childLimit)
    return {
      child: rel.child,
      property: rel.property,
      parentKey: rel.parentKey,
      key: rel.key,
      limit,
      ...(query.sort === undefined ? {} : { sort: query.sort }),
      below: relative(rel.child, rel.key)
    }
  })
  return { ...docPlan(entity, request.fields, options), parents, children, counts: [] }
}
