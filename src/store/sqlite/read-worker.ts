// A read worker's body: opens its own read-only connection to the database file (WAL lets it
// read while the main connection writes) and runs the reads it is sent, one at a time. It does
// nothing when imported on the main thread; the pool imports it so that builds compile it.
import Database from 'better-sqlite3'
import { isMainThread, parentPort, workerData } from 'node:worker_threads'
import { registerTick, runRead, SqlReader, type ReadOp } from './sql-reader.js'

export interface ReadWorkerData {
  relataReadWorker: true
  file: string
  busyTimeoutMs: number
}

export interface ReadRequest {
  id: number
  op: ReadOp
  args: unknown
}

export type ReadReply = { id: number, result: unknown } | { id: number, error: { message: string, code?: string } }

function serve (data: ReadWorkerData): void {
  const db = new Database(data.file, { readonly: true, fileMustExist: true, timeout: data.busyTimeoutMs })
  registerTick(db)
  const reader = new SqlReader(db)
  parentPort!.on('message', function read ({ id, op, args }: ReadRequest) {
    let reply: ReadReply
    try {
      reply = { id, result: runRead(reader, op, args as never) }
    } catch (error) {
      const { message, code } = error as { message: string, code?: unknown }
      reply = { id, error: { message, ...(typeof code === 'string' ? { code } : {}) } }
    }
    parentPort!.postMessage(reply)
  })
  parentPort!.postMessage('ready')
}

if (!isMainThread && (workerData as Partial<ReadWorkerData> | undefined)?.relataReadWorker === true) {
  serve(workerData as ReadWorkerData)
}
