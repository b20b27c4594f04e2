// What the command line works against: a server over HTTP, or the store opened in-process.
// Both read NDJSON in and write NDJSON out, and report progress as they go.
import type { Readable, Writable } from 'node:stream'
import type { ImportReport } from '../entities/import-ndjson.js'
import type { Progress } from './progress.js'

export interface ImportSource {
  stream: Readable
  /** Bytes in all, when known (a file): makes ETA and percentage possible. */
  size?: number
}

export interface ExportQuery {
  with?: string
  filter?: string
  /** The stored documents whole, hidden properties included: only from the store opened directly. */
  full?: boolean
}

export interface Target {
  /** Fails when no entity has `route`, before anything is read or sent. */
  checkRoute(route: string): Promise<void>
  import(
    route: string,
    source: ImportSource,
    batchSize: number,
    progress: (total?: number) => Progress
  ): Promise<ImportReport>
  /** Writes every matching document as NDJSON; resolves with the count. */
  export(route: string, query: ExportQuery, out: Writable, progress: (total?: number) => Progress): Promise<number>
  close(): Promise<void>
}

/** A mistake of the user's, shown without a stack trace. */
export class CliError extends Error {}
