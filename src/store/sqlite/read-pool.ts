// A small pool of worker threads for the reads whose cost no index bounds (filters, sorts,
// counts, relation filters, stream batches): better-sqlite3 is synchronous, so on the main
// thread such a statement would stop every other request until it ends. A read that has not
// answered within the store timeout is ended for real: its worker is terminated (the statement
// stops at its next tick, see sql-reader.ts) and replaced, and the caller gets a 503. A read
// whose caller went away (its signal aborted) is ended the same way, or dropped from the queue.
import Database from 'better-sqlite3'
import type { Worker } from 'node:worker_threads'
import { CancelledError, StoreUnavailableError } from '../../errors.js'
import type { ReadOp, ReadOps } from './sql-reader.js'
import './read-worker.js'
import type { ReadReply, ReadWorkerData } from './read-worker.js'
import { startWorker } from './start-worker.js'

interface Job {
  id: number
  op: ReadOp
  args: unknown
  /** What the caller asked, for messages: "find on 'Order'". */
  what: string
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
  timer: NodeJS.Timeout
  /** Removes the abort listener of the caller's signal, if any. */
  forget: () => void
}

interface Slot {
  /** Started when a read needs it; gone after a crash or a timeout until the next read. */
  worker: Worker | undefined
  job: Job | undefined
  /** Settles when the worker has opened its connection, or failed to. */
  ready: Promise<void>
  /** The worker has opened its connection: a read sent to it runs at once. */
  live: boolean
}

export interface ReadPoolOptions {
  file: string
  size: number
  /** STORE_TIMEOUT_MS: from the call, queueing included, to the answer. */
  timeoutMs: number
}

export class ReadPool {
  private readonly slots: Slot[] = []
  private readonly queue: Job[] = []
  private nextId = 0
  private closed = false

  constructor (private readonly options: ReadPoolOptions) {
    for (let i = 0; i < options.size; i++) this.slots.push(this.spawn())
  }

  private spawn (slot: Slot = emptySlot()): Slot {
    const { file, timeoutMs } = this.options
    const data: ReadWorkerData = { relataReadWorker: true, file, busyTimeoutMs: timeoutMs }
    const worker = startWorker('read-worker', data)
    // idle workers must not keep a process alive that forgot to close the store
    worker.unref()
    slot.worker = worker
    slot.live = false
    slot.ready = new Promise((resolve, reject) => {
      worker.on('message', (reply: ReadReply | 'ready') => {
        if (reply !== 'ready') return this.answer(slot, reply)
        slot.live = true
        resolve()
      })
      worker.on('error', error => { reject(error); this.fail(slot, error) })
    })
    // only started() awaits it: a replacement that fails is reported through its read
    slot.ready.catch(() => {})
    return slot
  }

  /** Resolves when every worker has opened the file, so that start-up pays their start, not the first reads. */
  async started (): Promise<void> {
    await Promise.all(this.slots.map(slot => slot.ready))
  }

  run<K extends ReadOp> (op: K, args: ReadOps[K][0], what: string, signal?: AbortSignal): Promise<ReadOps[K][1]> {
    if (this.closed) return Promise.reject(closedError(what))
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.expire(job), this.options.timeoutMs)
      const settle = resolve as (value: unknown) => void
      const cancel = (): void => this.cancel(job)
      const forget = (): void => signal?.removeEventListener('abort', cancel)
      const job: Job = { id: ++this.nextId, op, args, what, resolve: settle, reject, timer, forget }
      signal?.addEventListener('abort', cancel, { once: true })
      this.queue.push(job)
      this.dispatch()
    })
  }

  private dispatch (): void {
    // idle slots with a ready worker first, then one starting: a new worker takes a while to start
    const rank = (slot: Slot): number => slot.live ? 0 : slot.worker === undefined ? 2 : 1
    const idle = this.slots.filter(slot => slot.job === undefined).sort((a, b) => rank(a) - rank(b))
    for (const slot of idle) {
      const job = this.queue.shift()
      if (job === undefined) return
      slot.job = job
      // a worker that crashed or was stopped is replaced when there is work for it, never in a loop
      slot.worker ??= this.spawn(slot).worker
      slot.worker!.postMessage({ id: job.id, op: job.op, args: job.args })
    }
  }

  private answer (slot: Slot, reply: ReadReply): void {
    const job = slot.job
    if (job === undefined || job.id !== reply.id) return
    this.settle(slot)
    if ('result' in reply) job.resolve(reply.result)
    // a SqliteError again, so that the store maps its code as on the main thread
    else {
      const { message, code } = reply.error
      job.reject(code === undefined ? new Error(message) : new Database.SqliteError(message, code))
    }
  }

  private settle (slot: Slot): void {
    clearTimeout(slot.job!.timer)
    slot.job!.forget()
    slot.job = undefined
    this.dispatch()
  }

  /** A worker that crashed (it could not open the file, say): its read fails, a new one takes its place. */
  private fail (slot: Slot, error: Error): void {
    const job = slot.job
    this.replace(slot)
    const reason = `read worker: ${error.message}`
    job?.reject(new StoreUnavailableError(`sqlite store: ${job?.what ?? 'a read'} failed`, { cause: error, reason }))
  }

  private expire (job: Job): void {
    const { timeoutMs } = this.options
    const message = `sqlite store: ${job.what} did not finish within STORE_TIMEOUT_MS (${timeoutMs} ms) and was stopped`
    this.stop(job, new StoreUnavailableError(message))
  }

  /** The caller went away: its read leaves the queue, or its worker is stopped and replaced. */
  private cancel (job: Job): void {
    this.stop(job, new CancelledError(`sqlite store: ${job.what} was cancelled: its caller went away`))
  }

  private stop (job: Job, error: Error): void {
    clearTimeout(job.timer)
    job.forget()
    const queued = this.queue.indexOf(job)
    if (queued >= 0) this.queue.splice(queued, 1)
    const slot = this.slots.find(s => s.job === job)
    if (slot !== undefined) {
      this.replace(slot)
      // started now, so that the next read finds it ready
      if (!this.closed && slot.worker === undefined) this.spawn(slot)
    }
    job.reject(error)
  }

  private replace (slot: Slot): void {
    if (slot.job !== undefined) {
      clearTimeout(slot.job.timer)
      slot.job.forget()
    }
    slot.job = undefined
    const worker = slot.worker
    slot.worker = undefined
    slot.live = false
    if (worker !== undefined) {
      worker.removeAllListeners()
      worker.on('error', () => {})
      // ends the statement at its next tick; the thread goes away on its own
      worker.terminate().catch(() => {})
    }
    if (!this.closed) this.dispatch()
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const job of this.queue.splice(0)) {
      clearTimeout(job.timer)
      job.forget()
      job.reject(closedError(job.what))
    }
    const running = this.slots.map(slot => slot.job).filter(job => job !== undefined)
    // a worker deep in a statement that never ticks (a big sort) must not hold the close
    const stopped = Promise.all(this.slots.map(slot => slot.worker?.terminate()))
    await Promise.race([stopped, new Promise(resolve => setTimeout(resolve, 1000).unref())])
    for (const job of running) {
      clearTimeout(job.timer)
      job.forget()
      job.reject(closedError(job.what))
    }
  }
}

function emptySlot (): Slot {
  return { worker: undefined, job: undefined, ready: Promise.resolve(), live: false }
}

function closedError (what: string): StoreUnavailableError {
  return new StoreUnavailableError(`sqlite store: ${what} failed: the store is closed`)
}
