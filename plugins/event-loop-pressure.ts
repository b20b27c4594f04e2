// Sheds load (503 + Retry-After, through the problem handler) while the event loop lags more
// than PRESSURE_MAX_EVENT_LOOP_DELAY_MS. @fastify/under-pressure measures the mean delay of
// each second and reads a second without a single sample (the loop was stuck the whole time)
// as an infinite delay: one slow request then had every request of the next second refused.
// Here the measure is the median delay of a window of one second, and load is shed only when
// two windows in a row lag: sustained lag sheds load, one long task does not (a stuck window
// holds one huge sample, or none); a window without samples was a pause that is already over.
// The plugin measures and decorates the app with `eventLoopPressure`; the security plugin asks
// it from its one onRequest hook (a hook of its own cost every request a hook run).
import fp from 'fastify-plugin'
import { monitorEventLoopDelay } from 'node:perf_hooks'

const RESOLUTION_MS = 10
const WINDOW_MS = 1000

/** The error under-pressure raised: a 503 the problem handler answers as "overloaded". */
class OverloadedError extends Error {
  readonly statusCode = 503
  // under-pressure's code, which the problem catalogue maps to `overloaded`
  readonly code = 'FST_UNDER_PRESSURE'
  constructor (delayMs: number) {
    super(`the event loop lags ${delayMs.toFixed(0)} ms`)
  }
}

export interface EventLoopPressure {
  /** Whether load is shed at all: PRESSURE_MAX_EVENT_LOOP_DELAY_MS is above 0. */
  readonly shedding: boolean
  /** The error to refuse a request with (503 overloaded) while the loop lags; undefined otherwise. */
  overloaded: () => Error | undefined
}

declare module 'fastify' {
  interface FastifyInstance {
    eventLoopPressure: EventLoopPressure
  }
}

export interface EventLoopPressureOptions {
  /** Shed while the median delay of two windows in a row passes this, in ms; 0 turns shedding off. */
  maxDelayMs: number
}

export default fp<EventLoopPressureOptions>(async function eventLoopPressure (app, { maxDelayMs }) {
  if (maxDelayMs === 0) {
    app.decorate('eventLoopPressure', { shedding: false, overloaded: () => undefined })
    return
  }
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS })
  histogram.enable()
  let lastMs = 0
  let delayMs = 0
  const timer = setInterval(function sample () {
    const windowMs = histogram.count > 0 ? Math.max(0, histogram.percentile(50) / 1e6 - RESOLUTION_MS) : 0
    delayMs = Math.min(lastMs, windowMs)
    lastMs = windowMs
    histogram.reset()
  }, WINDOW_MS)
  timer.unref()
  app.decorate('eventLoopPressure', {
    shedding: true,
    overloaded: function overloaded () {
      return delayMs > maxDelayMs ? new OverloadedError(delayMs) : undefined
    }
  })
  app.addHook('onClose', async function stopSampling () {
    clearInterval(timer)
    histogram.disable()
  })
}, { name: 'relata-event-loop-pressure', dependencies: ['relata-problems'], fastify: '5.x' })
