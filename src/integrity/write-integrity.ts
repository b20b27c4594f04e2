// Referential integrity on write for one entity: refuses the whole write when a `reject`
// relationship points at nothing, and parks the documents whose `park` relationships do, storing
// the rest as usual. Entities without such policies never get one, so their writes cost no more.
import { monotonicFactory } from 'ulid'
import { KeyConflictError, MissingParentError, type FieldError } from '../errors.js'
import type { EntityMetadata, ParentRelationship } from '../metadata/types.js'
import type { Doc, IdentityLink, Store } from '../store/store.js'
import type { SourceWrite } from '../sources/source-writes.js'
import { bySource, checkedParents, findMissing } from './missing-parents.js'
import { describeAwaited, parkedEntity, parkedRecord, type ParkedItem, type ParkedRecord } from './parked.js'

const newRev = monotonicFactory()

export interface WriteOutcome {
  /** The documents stored in the entity, in input order. */
  stored: Doc[]
  /** The documents parked instead, in input order. */
  parked: ParkedItem[]
}

/** Told about writes, so that a healer can react; all are cheap and synchronous. */
export interface IntegrityEvents {
  /** These documents of `entity` were stored, and parked records may be waiting for their ids or keys. */
  stored: (entity: string, docs: readonly Doc[]) => void
  /** Source ids of `entity` were linked: records waiting on the ids `ids` they would be assigned may heal. */
  linked: (entity: string, ids: readonly string[]) => void
  parked: (entity: string, count: number) => void
}

export class WriteIntegrity {
  readonly #checked: readonly ParentRelationship[]
  readonly #parks: boolean

  constructor (
    private readonly meta: EntityMetadata,
    private readonly store: Store,
    private readonly events: IntegrityEvents
  ) {
    this.#checked = checkedParents(meta)
    this.#parks = this.#checked.some(p => p.onMissingParent === 'park')
  }

  /** Whether `meta` needs checks on write at all. */
  static needed (meta: EntityMetadata): boolean {
    return checkedParents(meta).length > 0
  }

  /**
   * Checks, then stores or parks; `where(i)` locates item i in the input for error paths. A write
   * from a source also resolves its source ids (of every relationship to an entity taking them)
   * and stores the links it adds with the documents, those of the parked ones too.
   */
  async write (docs: Doc[], where: (index: number) => string, sources?: SourceWrite): Promise<WriteOutcome> {
    const context = sources?.context
    const resolved = this.meta.parents.filter(p => p.onMissingParent !== 'allow' || bySource(p, context))
    const missing = await findMissing(this.store, resolved, docs, context)
    for (const [index, refs] of missing) {
      const checked = refs.filter(ref => this.#policy(ref.property) !== 'allow')
      if (checked.length === 0) missing.delete(index)
      else missing.set(index, checked)
    }
    const refused: FieldError[] = []
    for (const [index, refs] of missing) {
      for (const ref of refs) {
        if (this.#policy(ref.property) === 'reject') {
          refused.push({ path: `${where(index)}/${ref.property}`, message: `${describeAwaited(ref)} does not exist` })
        }
      }
    }
    if (refused.length > 0) {
      throw new MissingParentError(
        `${refused.length} reference${refused.length === 1 ? '' : 's'} of this ${this.meta.name} write ` +
          `point${refused.length === 1 ? 's' : ''} at nothing: ${refused
          .slice(0, 3)
          .map(e => `${e.path} → ${e.message}`)
          .join('; ')}${refused.length > 3 ? ' …' : ''}; nothing was written`,
        refused
      )
    }
    const parked: ParkedItem[] = []
    const records: ParkedRecord[] = []
    const complete: Doc[] = []
    const positions: number[] = []
    const parkedAt = new Date().toISOString()
    docs.forEach((doc, index) => {
      const refs = missing.get(index)
      if (refs === undefined) {
        positions.push(index)
        return complete.push(doc)
      }
      parked.push({ index, id: doc.id, missing: refs })
      records.push(parkedRecord(doc, refs, newRev(), parkedAt))
    })
    if (records.length > 0) {
      await this.store.upsertMany(parkedEntity(this.meta.name), records)
      this.events.parked(this.meta.name, records.length)
    }
    // A document stored whole supersedes an older parked version of it, which must never heal
    // over it: drop that version first, so that a healer moving it meanwhile is overwritten next.
    if (this.#parks && complete.length > 0) {
      await this.store.deleteMany(
        parkedEntity(this.meta.name),
        complete.map(doc => doc.id)
      )
    }
    const links = sources?.links ?? []
    const stored = complete.length === 0 && links.length === 0
      ? []
      : await this.#store(complete, positions, where, links)
    return { stored, parked }
  }

  async #store (complete: Doc[], positions: readonly number[], where: (index: number) => string,
    links: readonly IdentityLink[]): Promise<Doc[]> {
    try {
      return await this.store.upsertMany(this.meta.name, complete, links)
    } catch (error) {
      // positions in the stored part of the write, back to positions in the caller's input
      throw error instanceof KeyConflictError ? error.at(positions[error.index]!, where) : error
    }
  }

  #policy (property: string): string {
    return this.meta.parents.find(p => p.property === property)!.onMissingParent
  }
}
