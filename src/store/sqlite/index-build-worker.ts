// The index builder's body: on its own connection to the database file, drops and creates the
// indexes it is given in one immediate transaction, then says how long it took. A thread of its
// own, so that the main thread stays free while a big file's indexes are built for minutes:
// signals are handled (a container's PID 1 ignores those it has no handler for) and
// `process.exit` ends the process at once, the transaction rolled back. It does nothing when
// imported on the main thread; index-sql.ts imports it so that builds compile it.
import Database from 'better-sqlite3'
import { isMainThread, parentPort, workerData } from 'node:worker_threads'

export interface IndexBuildData {
  relataIndexBuild: true
  file: string
  busyTimeoutMs: number
  /** Each index: DROP it first (`drop`, its quoted name), then the CREATE. */
  statements: Array<{ drop?: string, create: string }>
}

export type IndexBuildReply = { ms: number } | { error: { message: string, code?: string } }

function build (data: IndexBuildData): IndexBuildReply {
  const db = new Database(data.file, { fileMustExist: true, timeout: data.busyTimeoutMs })
  try {
    const started = performance.now()
    db.transaction(function buildAll () {
      for (const { drop, create } of data.statements) {
        if (drop !== undefined) db.exec(`DROP INDEX ${drop}`)
        db.exec(create)
      }
    }).immediate()
    return { ms: performance.now() - started }
  } catch (error) {
    const { message, code } = error as { message: string, code?: unknown }
    return { error: { message, ...(typeof code === 'string' ? { code } : {}) } }
  } finally {
    db.close()
  }
}

if (!isMainThread && (workerData as Partial<IndexBuildData> | undefined)?.relataIndexBuild === true) {
  parentPort!.postMessage(build(workerData as IndexBuildData))
}
