// The deadlines of every pending store call, watched by one timer instead of one each: a timer
// per call (setTimeout and clearTimeout, a Timeout object in Node's timer lists) cost a point
// read more than the rest of its wrapper. All calls wait the same time, so deadlines come in the
// order calls start: a queue whose head is the next to expire. The timer is armed for the head
// when it fires; a call that settles is marked, and the head moves past settled calls at once
// (calls mostly settle in order), so the queue holds about the calls pending. While none is
// pending, the timer does not hold the process open (a call pending does, as its own timer did).

/** One pending call: `expire` runs at its deadline unless the call settled first. */
export interface Deadline {
  readonly at: number
  /** Dropped when the call settles, so a settled call keeps nothing of its caller alive. */
  expire: (() => void) | undefined
}

/** From this many settled calls at its start, the queue is cut down to its pending part. */
const COMPACT_AT = 1024

export class Deadlines {
  #queue: Deadline[] = []
  #head = 0
  #pending = 0
  #timer: NodeJS.Timeout | undefined

  constructor (private readonly ms: number) {}

  /** Calls `expire` once `ms` have passed, unless `settle` comes first. */
  add (expire: () => void): Deadline {
    const deadline: Deadline = { at: performance.now() + this.ms, expire }
    this.#queue.push(deadline)
    if (this.#pending++ === 0) {
      if (this.#timer === undefined) this.#arm(this.ms)
      else this.#timer.ref()
    }
    return deadline
  }

  settle (deadline: Deadline): void {
    if (deadline.expire === undefined) return
    deadline.expire = undefined
    if (--this.#pending === 0) this.#timer?.unref()
    this.#pass()
  }

  /**
   * Moves the head past settled calls; drops them once there are many and they are most of the
   * queue, so that a queue emptied by every call is not reallocated by every call.
   */
  #pass (): void {
    const queue = this.#queue
    while (this.#head < queue.length && queue[this.#head]!.expire === undefined) this.#head++
    if (this.#head >= COMPACT_AT && this.#head * 2 >= queue.length) {
      queue.splice(0, this.#head)
      this.#head = 0
    }
  }

  #arm (ms: number): void {
    this.#timer = setTimeout(this.#fire, ms)
    if (this.#pending === 0) this.#timer.unref()
  }

  readonly #fire = (): void => {
    this.#timer = undefined
    const now = performance.now()
    for (let next = this.#queue[this.#head]; next !== undefined && next.at <= now; next = this.#queue[this.#head]) {
      const expire = next.expire!
      // settling first moves the head past it, before `expire` may add calls of its own
      this.settle(next)
      expire()
    }
    const head = this.#queue[this.#head]
    if (head !== undefined) this.#arm(Math.max(1, Math.ceil(head.at - now)))
  }
}
