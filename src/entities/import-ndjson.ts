// Bulk import of NDJSON lines into one entity, in batches: each line is parsed and validated on
// its own, so an invalid line is reported by number and never costs its valid neighbours, and
// the valid ones of a batch go to the store in one upsertMany. Memory stays bounded by the
// batch, whatever the size of the input.
import {
  KeyConflictError, KeyInUseError, MissingParentError, RelataError, StoreUnavailableError, ValidationError,
  type FieldError
} from '../errors.js'
import { assertIds } from '../model/id-rule.js'
import { validateDocs } from '../model/validator.js'
import { checkSourceIds } from '../sources/source-ids.js'
import type { EntityApi, WriteOutcome } from './entity-api.js'

export interface ImportOptions {
  /** Valid lines per store write; at most the entity's bulk limit. */
  batchSize: number
  /** Rejections listed in the report; the rest are only counted. Default 1000. */
  maxRejections?: number
  /** The source system the lines come from: their ids are its ids (see EntityApi.write). */
  source?: string
  /** Called after each stored batch with the report so far. */
  onBatch?: (report: Readonly<ImportReport>) => void
}

export interface Rejection {
  /** 1-based line number in the input. */
  line: number
  reason: string
  errors?: FieldError[]
}

export interface ImportReport {
  /** Lines read, blank ones included. */
  lines: number
  stored: number
  /** Documents parked until a missing parent arrives (policy `park`). */
  parked: number
  rejected: number
  /** Store writes made: one per batch. */
  batches: number
  /** The first `maxRejections` rejected lines, in input order. */
  rejections: Rejection[]
  /** True when more lines were rejected than are listed. */
  rejectionsTruncated: boolean
}

interface Pending {
  docs: Array<Record<string, unknown>>
  /** The line number of each document. */
  lines: number[]
  ids: Set<unknown>
  lastLine: number
}

const DEFAULT_MAX_REJECTIONS = 1000

/**
 * Reads `lines` to the end. A store failure stops the import and rethrows, its message extended
 * with what was stored so far and the line to resume after.
 */
export async function importNdjson (
  api: EntityApi,
  lines: AsyncIterable<string | Buffer> | Iterable<string | Buffer>,
  options: ImportOptions
): Promise<ImportReport> {
  const maxRejections = options.maxRejections ?? DEFAULT_MAX_REJECTIONS
  // an unknown source refuses the import before a line is read
  if (options.source !== undefined) api.sourceIdProperties(options.source)
  const report: ImportReport = {
    lines: 0,
    stored: 0,
    parked: 0,
    rejected: 0,
    batches: 0,
    rejections: [],
    rejectionsTruncated: false
  }
  let pending: Pending = { docs: [], lines: [], ids: new Set(), lastLine: 0 }
  let committedLine = 0

  const reject = (line: number, reason: string, errors?: FieldError[]) => {
    report.rejected++
    if (report.rejections.length < maxRejections) {
      report.rejections.push({ line, reason, ...(errors === undefined ? {} : { errors }) })
    } else report.rejectionsTruncated = true
  }

  const flush = async () => {
    if (pending.docs.length === 0) return
    const outcome = await writeBatch(api, pending, reject, options.source)
    report.stored += outcome.stored.length
    report.parked += outcome.parked.length
    report.batches++
    committedLine = pending.lastLine
    pending = { docs: [], lines: [], ids: new Set(), lastLine: 0 }
    options.onBatch?.(report)
  }

  try {
    for await (const chunk of lines) {
      const line = ++report.lines
      const text = chunk.toString().trim()
      if (text === '') continue
      const doc = parseLine(api, text, options.source)
      if (doc instanceof RelataError) {
        reject(line, doc.message, doc instanceof ValidationError ? doc.errors : undefined)
        continue
      }
      // A later line with the same id replaces the earlier one: store them in separate writes, in order.
      if (doc.id !== undefined && pending.ids.has(doc.id)) await flush()
      pending.docs.push(doc)
      pending.lines.push(line)
      if (doc.id !== undefined) pending.ids.add(doc.id)
      pending.lastLine = line
      if (pending.docs.length >= options.batchSize) await flush()
    }
    await flush()
    // lines refused for a missing parent are known only when their batch is written
    report.rejections.sort((a, b) => a.line - b.line)
  } catch (error) {
    const hint = resumeHint(report.stored, committedLine)
    if (error instanceof Error) error.message += hint
    // what the client is told of a store fault, too
    if (error instanceof StoreUnavailableError) error.detail += hint
    throw error
  }
  return report
}

/** Where an import stopped by a failure can pick up. */
function resumeHint (stored: number, committedLine: number): string {
  if (committedLine === 0) return '; the import stored nothing: start again from line 1'
  return `; the import stored ${stored} documents, from lines 1-${committedLine}: resume after line ${committedLine}`
}

/**
 * Writes a batch. Lines whose parent is missing through a `reject` relationship, a line taking a
 * unique key value another document holds, and one taking away a key value children reference,
 * are rejected like invalid lines, and the rest of the batch is written without them (a store
 * names one key conflict per attempt).
 */
async function writeBatch (
  api: EntityApi,
  pending: Pending,
  reject: (line: number, reason: string, errors?: FieldError[]) => void,
  source: string | undefined
): Promise<WriteOutcome> {
  let docs = pending.docs
  let lines = pending.lines
  while (true) {
    try {
      return await api.write(docs, source === undefined ? {} : { source })
    } catch (error) {
      if (error instanceof KeyConflictError || error instanceof KeyInUseError) {
        const reason = error instanceof KeyConflictError ? 'key conflict' : 'key in use'
        reject(lines[error.index]!, `${reason}: ${error.errors[0]!.message}`,
          error.errors.map(e => ({ ...e, path: e.path.slice(`/${error.index}`.length) })))
        docs = docs.filter((_, i) => i !== error.index)
        lines = lines.filter((_, i) => i !== error.index)
        if (docs.length === 0) return { stored: [], parked: [] }
        continue
      }
      if (!(error instanceof MissingParentError)) throw error
      const refused = new Map<number, FieldError[]>()
      for (const e of error.errors) {
        const [, index, ...rest] = e.path.split('/')
        const list = refused.get(Number(index)) ?? []
        refused.set(Number(index), [...list, { path: `/${rest.join('/')}`, message: e.message }])
      }
      for (const [index, errors] of refused) {
        reject(
          lines[index]!,
          `missing parent: ${errors.map(e => `${e.path.slice(1)} → ${e.message}`).join('; ')}`,
          errors
        )
      }
      // without them, a parent they provided for their neighbours is gone too: check again
      docs = docs.filter((_, i) => !refused.has(i))
      lines = lines.filter((_, i) => !refused.has(i))
      if (docs.length === 0) return { stored: [], parked: [] }
    }
  }
}

/** The line's document, or the error that rejects it. */
function parseLine (api: EntityApi, text: string, source: string | undefined): Record<string, unknown> | RelataError {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    return new RelataError(`not JSON: ${(error as Error).message}`, 'bad-request')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return new RelataError('expected a JSON object', 'bad-request')
  }
  const doc = value as Record<string, unknown>
  try {
    if (source !== undefined) checkSourceIds([doc], api.sourceIdProperties(source), () => '')
    else assertIds([doc], () => '')
    // The id is assigned at write time when missing; a placeholder lets the rest be checked now.
    validateDocs(api.meta, [doc.id === undefined ? { ...doc, id: '-' } : doc], () => '')
  } catch (error) {
    return error as ValidationError
  }
  return doc
}
