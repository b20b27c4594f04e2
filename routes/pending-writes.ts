// How the entity routes tell about parked writes (entities with a `park` relationship only):
// GET /:id says in a header that a write of the id waits parked, DELETE says which versions it
// removed, and the route descriptions say both. Other entities' answers stay as they were.
import type { FastifyReply } from 'fastify'
import type { EntityApi } from '../src/entities/entity-api.js'
import type { AnswerForm } from '../src/graph/answer-form.js'
import type { ReadRequest } from '../src/entities/read-query.js'
import { PendingWriteError } from '../src/integrity/parked-records.js'
import type { EntityMetadata } from '../src/metadata/types.js'

/** Set on GET /:id (200 or 404) while a write of the id is parked. */
export const PENDING_HEADER = 'relata-pending'
/** Set on DELETE /:id: `stored`, `parked` or `stored, parked`. */
export const DELETED_HEADER = 'relata-deleted'

/**
 * The document (or graph) in `form`, with `Relata-Pending: parked` when a later write of it
 * waits; read with `signal` (the request's own when not given: EntityApi.get).
 */
export function getTellingPending<T> (
  api: EntityApi, reply: FastifyReply, id: string, request: ReadRequest, form: AnswerForm<T>, signal?: AbortSignal
): Promise<T> {
  // an entity that parks nothing has no parked write to look up: its GET is the read alone
  return api.parked === undefined
    ? api.get(id, request, form, signal)
    : getPending(api, reply, id, request, form, signal)
}

async function getPending<T> (
  api: EntityApi, reply: FastifyReply, id: string, request: ReadRequest, form: AnswerForm<T>,
  signal: AbortSignal | undefined
): Promise<T> {
  try {
    const { found, pending } = await api.getPending(id, request, form, signal)
    if (pending) reply.header(PENDING_HEADER, 'parked')
    return found
  } catch (error) {
    if (error instanceof PendingWriteError) reply.header(PENDING_HEADER, 'parked')
    throw error
  }
}

/** Deletes the document and its parked version, saying which of them existed. */
export async function deleteTellingParked (api: EntityApi, reply: FastifyReply, id: string): Promise<void> {
  const deleted = await api.delete(id)
  if (api.parked === undefined) return
  const removed = [deleted.stored ? 'stored' : '', deleted.parked ? 'parked' : '']
  reply.header(DELETED_HEADER, removed.filter(Boolean).join(', '))
}

/** What the descriptions of a parking entity's item routes add. */
export function pendingNotes (meta: EntityMetadata): { get: string, patch: string, delete: string } {
  if (!meta.parents.some(p => p.onMissingParent === 'park')) return { get: '', patch: '', delete: '' }
  const parked = `/api/_parked/${meta.route}/{id}`
  return {
    get: ' While a later write of this id waits parked for a missing parent, the answer has ' +
      `\`Relata-Pending: parked\` (GET ${parked} shows that write); an id that is only parked is a 404 ` +
      'naming the parents it waits for.',
    patch: ' While a write of this id waits parked, the patch applies to that parked version: the result is ' +
      'stored (200) when its parents exist now, parked again (202) otherwise.',
    delete: ' Also cancels a write of this id that waits parked (an id only parked is deletable too); ' +
      '`Relata-Deleted` says what was removed: `stored`, `parked` or `stored, parked`.'
  }
}
