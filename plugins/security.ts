// HTTP hardening around every route: security headers (helmet), optional CORS, optional rate
// limit, and load shedding (event-loop delay, heap and RSS) that answers 503 + Retry-After instead of letting
// latency grow without bound. Each one's errors reach the one problem+json error handler.
import fp from 'fastify-plugin'
import cors from '@fastify/cors'
import helmet from 'helmet'
import rateLimit from '@fastify/rate-limit'
import underPressure from '@fastify/under-pressure'
import { corsOrigins, type SecurityConfig } from '../src/security-config.js'
import { RETRY_AFTER_SECONDS } from './problems.js'
import eventLoopPressure from './event-loop-pressure.js'

const MB = 1024 * 1024

/**
 * Helmet's default headers, computed once. @fastify/helmet rebuilds the helmet middleware on
 * every request, which cost about 7% of a GET's CPU in bench/get-by-id.ts; the headers do not
 * depend on the request, so they are captured from helmet itself at start-up and set as they are.
 */
function helmetHeaders (): Record<string, string> {
  const headers: Record<string, string> = {}
  const response = {
    setHeader (name: string, value: unknown) { headers[name.toLowerCase()] = String(value) },
    removeHeader (name: string) { delete headers[name.toLowerCase()] }
  }
  helmet()({} as never, response as never, () => {})
  return headers
}

export interface SecurityOptions {
  config: SecurityConfig
  /** Helmet's headers on every answer; only bench/hooks.ts turns them off, to measure their cost. */
  headers?: boolean
}

export default fp<SecurityOptions>(async function securityPlugin (app, { config, headers = true }) {
  const securityHeaders = helmetHeaders()
  // callback hooks: an async one costs a promise and a microtask turn on every request
  if (headers) {
    app.addHook('onRequest', function setSecurityHeaders (_request, reply, done) {
      reply.headers(securityHeaders)
      done()
    })
  }
  if (config.CORS_ORIGIN !== undefined) {
    await app.register(cors, {
      origin: corsOrigins(config.CORS_ORIGIN),
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      exposedHeaders: ['x-total-count', 'link', 'location', 'retry-after']
    })
  }
  if (config.RATE_LIMIT_MAX > 0) {
    await app.register(rateLimit, {
      max: config.RATE_LIMIT_MAX,
      timeWindow: config.RATE_LIMIT_WINDOW_MS,
      // health checks from an orchestrator must never be limited
      allowList: (request) => request.url === '/health'
    })
  }
  // event-loop delay is measured by our own plugin: see event-loop-pressure.ts for why
  await app.register(eventLoopPressure, { maxDelayMs: config.PRESSURE_MAX_EVENT_LOOP_DELAY_MS })
  // off unless a limit is set: it samples memory and event-loop delay on timers of its own
  if (config.PRESSURE_MAX_HEAP_MB > 0 || config.PRESSURE_MAX_RSS_MB > 0) {
    await app.register(underPressure, {
      maxHeapUsedBytes: config.PRESSURE_MAX_HEAP_MB * MB,
      maxRssBytes: config.PRESSURE_MAX_RSS_MB * MB,
      retryAfter: RETRY_AFTER_SECONDS
    })
  }
}, { name: 'relata-security', dependencies: ['relata-problems'], fastify: '5.x' })
