// The forms a read's answers take: objects for library users, JSON text for HTTP answers. The
// text is written either by splicing in the stored text of documents where the store keeps it
// (graph-json.ts; graphs that a store builds itself are taken as it writes them), or by
// JSON.stringify of parsed documents: the general path, kept to compare with. Both write the
// same bytes for the same answer.
import type { Doc } from '../store/store.js'
import type { Graph, Selection } from './graph.js'
import { itemJson } from './graph-json.js'

export interface AnswerForm<T> {
  /**
   * Whether documents may be read as their stored text and graphs built by the store: only for
   * answers written as text by splicing, never for objects handed to library users.
   */
  readonly spliced: boolean
  /** The answers of documents, or of graphs built with `built` (undefined: plain documents). */
  of: (items: Array<Doc | Graph>, built: Selection | undefined) => T[]
  /** The answers of graphs a store wrote as JSON text. */
  ofText: (texts: string[]) => T[]
  /** As `of` for the one item of a GET, with no array around it. */
  ofOne: (item: Doc | Graph, built: Selection | undefined) => T
  /** As `ofText` for the one graph of a GET. */
  ofOneText: (text: string) => T
}

/** Documents and graphs as objects: the library's answers. */
export const OBJECTS: AnswerForm<Doc | Graph> = Object.freeze({
  spliced: false,
  of: (items: Array<Doc | Graph>) => items,
  ofText: (texts: string[]) => texts.map(text => JSON.parse(text) as Graph),
  ofOne: (item: Doc | Graph) => item,
  ofOneText: (text: string) => JSON.parse(text) as Graph
})

/** JSON text spliced from the stored text of documents (TEXT_ANSWERS=true). */
export const SPLICED_TEXT: AnswerForm<string> = Object.freeze({
  spliced: true,
  of: (items: Array<Doc | Graph>, built: Selection | undefined) => items.map(item => itemJson(item, built)),
  ofText: (texts: string[]) => texts,
  ofOne: itemJson,
  ofOneText: (text: string) => text
})

/** JSON.stringify of parsed documents (TEXT_ANSWERS=false). */
export const STRINGIFIED_TEXT: AnswerForm<string> = Object.freeze({
  spliced: false,
  of: (items: Array<Doc | Graph>) => items.map(item => JSON.stringify(item)),
  ofText: (texts: string[]) => texts,
  ofOne: (item: Doc | Graph) => JSON.stringify(item),
  ofOneText: (text: string) => text
})

/** The text form of HTTP answers: spliced (TEXT_ANSWERS=true) or stringified. */
export function textForm (spliced: boolean): AnswerForm<string> {
  return spliced ? SPLICED_TEXT : STRINGIFIED_TEXT
}
