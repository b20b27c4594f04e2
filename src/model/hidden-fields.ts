// The one owner of the rule for hidden properties (see metadata/hidden-properties): which they
// are, and how they leave every answer: parsed documents (stored, related, parked) through a
// projector that copies them without those keys, plans of graphs the store builds by their
// names, and reads as stored text only of entities that hide nothing. Entities without hidden
// properties get no projector at all, so the hot path of most models does no extra work.
import type { RelationshipMetadata } from '../metadata/relationship-metadata.js'
import type { Doc, ReadForm } from '../store/store.js'

type Hide = (doc: Doc) => Doc

function hider (hidden: readonly string[]): Hide {
  const skip = new Set(hidden)
  return function hide (doc: Doc): Doc {
    const visible: Record<string, unknown> = {}
    for (const key of Object.keys(doc)) {
      // defineProperty: a stored `__proto__` key stays plain data in the copy
      if (!skip.has(key)) {
        Object.defineProperty(visible, key, { value: doc[key], enumerable: true, writable: true, configurable: true })
      }
    }
    return visible as Doc
  }
}

export class HiddenFields {
  readonly #hiders = new Map<string, Hide>()
  readonly #names = new Map<string, readonly string[]>()

  constructor (metadata: RelationshipMetadata) {
    for (const meta of metadata.all()) {
      if (meta.hidden.length > 0) this.#hiders.set(meta.name, hider(meta.hidden))
      this.#names.set(meta.name, meta.hidden)
    }
  }

  /** The hidden properties of `entity` (none for an entity the model does not know). */
  names (entity: string): readonly string[] {
    return this.#names.get(entity) ?? []
  }

  /** Whether `entity` hides any property: its documents are then parsed to drop them. */
  hides (entity: string): boolean {
    return this.#hiders.has(entity)
  }

  /**
   * How the store reads `entity` for an answer written as text (`text`): as its stored text only
   * when it hides nothing, since hiding needs the document parsed; `bare` when the documents are
   * answered as they are (ReadForm.bare).
   */
  form (entity: string, text: boolean | undefined, bare = false): ReadForm {
    if (text !== true || this.#hiders.has(entity)) return PARSED
    return bare ? BARE : TEXT
  }

  /** `docs` without the hidden properties of `entity`: the same array when there are none. */
  all (entity: string, docs: Doc[]): Doc[] {
    const hide = this.#hiders.get(entity)
    return hide === undefined ? docs : docs.map(hide)
  }

  /** `doc` without the hidden properties of `entity`: the same document when there are none. */
  one (entity: string, doc: Doc): Doc {
    return this.#hiders.get(entity)?.(doc) ?? doc
  }
}

// text: false, not absent: it overrides a request's own `text` where one is spread before it
const TEXT: ReadForm = Object.freeze({ text: true })
const BARE: ReadForm = Object.freeze({ text: true, bare: true })
const PARSED: ReadForm = Object.freeze({ text: false })
