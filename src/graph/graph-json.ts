// Writes answers (documents or graphs, as reads return them) as JSON text, splicing in the
// stored text of documents read as text (text-doc.ts) instead of parsing and re-serializing
// them. The bytes are JSON.stringify's for the same answer: keys in the objects' own order,
// undefined members left out; a graph's relatives are told apart from documents by the selection
// it was built with, as fields.ts does.
import { docJson } from '../store/text-doc.js'
import type { Doc } from '../store/store.js'
import type { Graph, Selection } from './graph.js'

/** One answer item: a graph when `selection` is given (the one it was built with), a document otherwise. */
export function itemJson (item: Doc | Graph, selection: Selection | undefined): string {
  return selection === undefined ? docJson(item) : graphJson(item as Graph, selection)
}

/** A list of answer items as a JSON array. */
function itemsJson (items: ReadonlyArray<Doc | Graph>, selection: Selection | undefined): string {
  let out = '['
  for (let i = 0; i < items.length; i++) out += (i === 0 ? '' : ',') + itemJson(items[i]!, selection)
  return out + ']'
}

function graphJson (graph: Graph, selection: Selection): string {
  let out = '{'
  for (const key of Object.keys(graph)) {
    const value = graph[key as keyof Graph]
    if (value === undefined) continue
    out += `${out.length === 1 ? '' : ','}"${key}":`
    if (key === 'entity') out += docJson(value as Doc)
    else if (key === 'parents') out += parentsJson(value as Graph['parents'], selection)
    else if (key === 'children') out += childrenJson(value as Graph['children'], selection)
    else out += JSON.stringify(value)
  }
  return out + '}'
}

function parentsJson (parents: Graph['parents'], selection: Selection): string {
  let out = '{'
  for (const property of Object.keys(parents)) {
    const parent = parents[property]
    if (parent === undefined) continue
    out += `${out.length === 1 ? '' : ','}${JSON.stringify(property)}:`
    out += parent === null ? 'null' : itemJson(parent, selection.nested?.[property])
  }
  return out + '}'
}

function childrenJson (children: Graph['children'], selection: Selection): string {
  let out = '{'
  for (const child of Object.keys(children)) {
    const edges = children[child]!
    out += `${out.length === 1 ? '' : ','}${JSON.stringify(child)}:{`
    let first = true
    for (const property of Object.keys(edges)) {
      const list = edges[property]
      if (list === undefined) continue
      out += `${first ? '' : ','}${JSON.stringify(property)}:`
      out += itemsJson(list, selection.nested?.[`${child}.${property}`])
      first = false
    }
    out += '}'
  }
  return out + '}'
}
