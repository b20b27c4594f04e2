// Load shedding is logged once per episode, at warn, with counts: one line when the server
// starts refusing requests (503 overloaded), one when it has refused none for a second, saying
// how many it refused. A shed request is the server protecting itself, not a fault: logging each
// one at error with a stack trace buried the real faults under identical traces.
import type { FastifyBaseLogger } from 'fastify'

interface Episode {
  startedAt: number
  shed: number
  timer: NodeJS.Timeout
}

export class ShedLog {
  private episode: Episode | undefined

  constructor (private readonly log: FastifyBaseLogger, private readonly quietMs = 1000) {}

  /** One more request refused, for `reason` (what the pressure is). */
  shed (reason: string): void {
    if (this.episode === undefined) {
      this.log.warn({ reason }, 'shedding load: requests are answered 503 overloaded until the pressure drops')
      const timer = setTimeout(() => this.end(), this.quietMs)
      timer.unref()
      this.episode = { startedAt: Date.now(), shed: 0, timer }
    }
    this.episode.shed++
    this.episode.timer.refresh()
  }

  /** Closes the episode, if one is open: a second without a refusal, or the server closing. */
  end (): void {
    if (this.episode === undefined) return
    const { startedAt, shed, timer } = this.episode
    clearTimeout(timer)
    this.episode = undefined
    this.log.warn({ shed, durationMs: Date.now() - startedAt }, `load shedding ended: ${shed} requests refused`)
  }
}
