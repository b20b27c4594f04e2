// HTTP hardening around every route: security headers (helmet), optional CORS, optional rate
// limit, and load shedding (event-loop delay, heap and RSS) that answers 503 + Retry-After instead of letting
// latency grow without bound. Each one's errors reach the one problem+json error handler.
import type { FastifyInstance, onRequestHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import cors from '@fastify/cors'
import rateLimit from '@fastify/rate-limit'
import underPressure from '@fastify/under-pressure'
import { corsOrigins, type SecurityConfig } from '../src/security-config.js'
import { RETRY_AFTER_SECONDS } from './problems.js'
import eventLoopPressure, { type EventLoopPressure } from './event-loop-pressure.js'
import { needsSecurityHeaders, SECURITY_HEADERS } from './security-headers.js'

const MB = 1024 * 1024

export interface SecurityOptions {
  config: SecurityConfig
  /**
   * Helmet's headers on every answer (buildApp also gives the server SecuredResponse); only
   * bench/hooks.ts turns them off, to measure their cost.
   */
  headers?: boolean
}

/**
 * The one onRequest hook for what every request needs from this plugin: the security headers
 * (where the server's responses do not write them: security-headers.ts), then the event-loop
 * check (either may be off). One hook run instead of two per request; a
 * callback hook, since an async one costs a promise and a microtask turn on every request.
 */
function guardHook (headers: boolean, pressure: EventLoopPressure | undefined): onRequestHookHandler | undefined {
  if (headers && pressure !== undefined) {
    return function guardRequest (_request, reply, done) {
      if (needsSecurityHeaders(reply.raw)) reply.headers(SECURITY_HEADERS)
      done(pressure.overloaded())
    }
  }
  if (headers) {
    return function setSecurityHeaders (_request, reply, done) {
      if (needsSecurityHeaders(reply.raw)) reply.headers(SECURITY_HEADERS)
      done()
    }
  }
  if (pressure !== undefined) {
    return function shedWhenLagging (_request, _reply, done) {
      done(pressure.overloaded())
    }
  }
  return undefined
}

function addHook (app: FastifyInstance, hook: onRequestHookHandler | undefined): void {
  if (hook !== undefined) app.addHook('onRequest', hook)
}

export default fp<SecurityOptions>(async function securityPlugin (app, { config, headers = true }) {
  // event-loop delay is measured by our own plugin: see event-loop-pressure.ts for why
  await app.register(eventLoopPressure, { maxDelayMs: config.PRESSURE_MAX_EVENT_LOOP_DELAY_MS })
  const pressure = app.eventLoopPressure.shedding ? app.eventLoopPressure : undefined
  if (config.CORS_ORIGIN === undefined) {
    addHook(app, guardHook(headers, pressure))
  } else {
    // the headers come first, so every answer has them; a shed answer (503) has the CORS
    // headers too, so a browser can read it
    addHook(app, guardHook(headers, undefined))
    await app.register(cors, {
      origin: corsOrigins(config.CORS_ORIGIN),
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      exposedHeaders: ['x-total-count', 'link', 'location', 'retry-after']
    })
    addHook(app, guardHook(false, pressure))
  }
  // the rate limit's hooks are the routes' own, which run after the app's
  if (config.RATE_LIMIT_MAX > 0) {
    await app.register(rateLimit, {
      max: config.RATE_LIMIT_MAX,
      timeWindow: config.RATE_LIMIT_WINDOW_MS,
      // health checks from an orchestrator must never be limited
      allowList: (request) => request.url === '/health'
    })
  }
  // off unless a limit is set: it samples memory and event-loop delay on timers of its own
  if (config.PRESSURE_MAX_HEAP_MB > 0 || config.PRESSURE_MAX_RSS_MB > 0) {
    await app.register(underPressure, {
      maxHeapUsedBytes: config.PRESSURE_MAX_HEAP_MB * MB,
      maxRssBytes: config.PRESSURE_MAX_RSS_MB * MB,
      retryAfter: RETRY_AFTER_SECONDS
    })
  }
}, { name: 'relata-security', dependencies: ['relata-problems'], fastify: '5.x' })
