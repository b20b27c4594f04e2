// Documents handed out as their stored JSON text (a read with `text: true`, on stores that keep
// documents as text): answers are then assembled by splicing that text in, never parsing it.
// Such a document holds as properties only what graphs are built from, its id and the values of
// its reference properties that are strings; everything that reads other properties (cursors,
// field selection, normalization) asks documentOf for the parsed document, and JSON.stringify
// of one writes the stored document, so a consumer that knows nothing of text stays correct.
import type { Doc } from './store.js'

const TEXT = Symbol('relata.text')

class TextDoc {
  readonly [TEXT]: string
  [key: string]: unknown

  constructor (id: string, text: string, refs: Readonly<Record<string, unknown>>) {
    this[TEXT] = text
    this.id = id
    for (const key in refs) if (typeof refs[key] === 'string') this[key] = refs[key]
  }

  toJSON (): unknown {
    return JSON.parse(this[TEXT]) as unknown
  }
}
// the hook belongs to the class, not to the documents' own properties
Object.defineProperty(TextDoc.prototype, 'toJSON', { enumerable: false })

/** A document as stored: `text` must be exactly JSON.stringify of the document. */
export function textDoc (id: string, text: string, refs: Readonly<Record<string, unknown>>): Doc {
  return new TextDoc(id, text, refs) as unknown as Doc
}

/** The whole document: parsed from its text when it was read as text. */
export function documentOf<T extends object> (doc: T): T {
  return doc instanceof TextDoc ? JSON.parse(doc[TEXT]) as T : doc
}

/** The JSON text of a document, as JSON.stringify writes it: the stored text when there is one. */
export function docJson (doc: object): string {
  return doc instanceof TextDoc ? doc[TEXT] : JSON.stringify(doc)
}
