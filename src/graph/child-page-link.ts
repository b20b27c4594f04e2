// The `next` link of a cut child list (`meta.children.*.next`): the child entity's list,
// filtered by the parent, in the list's order, continuing after the last child the graph holds
// by cursor, in pages of the server's default size (not the child limit, which would make a
// long list take a request per few children), and keeping what the graph asked of each child:
// its fields, and the relationships, limits and fields below it.
import { cursorOf } from '../entities/cursor.js'
import type { RelationshipMetadata } from '../metadata/relationship-metadata.js'
import type { ChildRelationship } from '../metadata/types.js'
import { sortText } from '../store/sort.js'
import type { Doc, SortKey } from '../store/store.js'
import type { FieldSelection } from './fields.js'
import type { ChildQueries, ChildQuery, GraphRequest, Selection } from './graph.js'
import { MAX_WITH_LENGTH } from './parse-with.js'
import { childEntities, selectionPaths } from './selection.js'

/** What the graph holds of one cut child list, for the link to the rest. */
export interface ChildPageRequest {
  /** The list's order (its `sort[Child]`); id order when absent. */
  sort?: readonly SortKey[]
  /** The last child in the list, as stored; absent when the list holds none (a limit of 0). */
  last?: Doc
  /** What the graph loads below each child (`with` of the rest). */
  selection?: Selection
  /** Child limits and orders of the request, applied below each child where they reach. */
  children?: ChildQueries
  /** What the graph keeps of each child and of its relatives. */
  fields?: FieldSelection
}

/**
 * Where the children of one parent past those in the graph are, as the server exposes them;
 * `parentValue` is what the children's reference holds (the parent's id or key, parent-value.ts).
 */
export type ChildPageLink =
  (relationship: ChildRelationship, parentValue: string, request: ChildPageRequest) => string | undefined

/** `fields` of the child itself and `fields[<path>]` of its relatives, as the graph kept them. */
function fieldParams (fields: FieldSelection, params: URLSearchParams, prefix = ''): void {
  if (fields.keep !== undefined) params.set(prefix === '' ? 'fields' : `fields[${prefix}]`, [...fields.keep].join(','))
  for (const [key, below] of Object.entries(fields.relatives ?? {})) {
    fieldParams(below, params, prefix === '' ? key : `${prefix}.${key}`)
  }
}

/** The relationships below each child, with their limits and fields, when `with` can say them. */
function belowParams (request: ChildPageRequest, params: URLSearchParams): void {
  if (request.selection === undefined) return
  const text = selectionPaths(request.selection).join(',')
  // a graph too wide to name in one `with` continues with the children alone
  if (text.length > MAX_WITH_LENGTH) return
  params.set('with', text)
  for (const child of childEntities(request.selection)) {
    const query = request.children?.[child]
    if (query?.limit !== undefined) params.set(`limit[${child}]`, String(query.limit))
    if (query?.sort !== undefined && query.sort.length > 0) params.set(`sort[${child}]`, sortText(query.sort))
  }
}

/** The link maker for a model whose lists are served under `/api/<route>` with `pageSize` as the default size. */
export function childPageLink (metadata: RelationshipMetadata, pageSize: number): ChildPageLink {
  return function nextChildren (rel, parentValue, request) {
    const params = new URLSearchParams({ filter: JSON.stringify({ [rel.property]: parentValue }) })
    if (request.sort !== undefined && request.sort.length > 0) params.set('sort', sortText(request.sort))
    params.set('size', String(pageSize))
    if (request.last !== undefined) params.set('after', cursorOf(rel.child, request.sort, request.last))
    belowParams(request, params)
    // fields after with, so that a path's fields follow the with that loads it
    if (request.fields !== undefined) {
      const below = request.selection === undefined || !params.has('with')
        ? { ...(request.fields.keep === undefined ? {} : { keep: request.fields.keep }) }
        : request.fields
      fieldParams(below, params)
    }
    return `/api/${metadata.entity(rel.child).route}?${params.toString()}`
  }
}

/** What a request asks of the documents one relationship reaches: the same child limits, their fields. */
export function below (request: GraphRequest, key: string): GraphRequest {
  const fields = request.fields?.relatives?.[key]
  return {
    ...(request.children === undefined ? {} : { children: request.children }),
    ...(fields === undefined ? {} : { fields }),
    ...(request.text === undefined ? {} : { text: request.text }),
    ...(request.signal === undefined ? {} : { signal: request.signal })
  }
}

/** What the `next` link of one cut child list keeps of the graph's request; `last` is the list's last child. */
export function childPageRequest (rel: ChildRelationship, last: Doc | undefined, query: ChildQuery,
  selection: Selection, request: GraphRequest): ChildPageRequest {
  const { children, fields } = below(request, rel.key)
  const nested = selection.nested?.[rel.key]
  return {
    ...(query.sort === undefined ? {} : { sort: query.sort }),
    ...(last === undefined ? {} : { last }),
    ...(nested === undefined ? {} : { selection: nested }),
    ...(children === undefined ? {} : { children }),
    ...(fields === undefined ? {} : { fields })
  }
}
