// HTTP hardening around every route: security headers (helmet), optional CORS, optional rate
// limit, and load shedding (under-pressure) that answers 503 + Retry-After instead of letting
// latency grow without bound. Each one's errors reach the one problem+json error handler.
import fp from 'fastify-plugin'
import cors from '@fastify/cors'
import helmet from '@fastify/helmet'
import rateLimit from '@fastify/rate-limit'
import underPressure from '@fastify/under-pressure'
import { corsOrigins, type SecurityConfig } from '../src/security-config.js'
import { RETRY_AFTER_SECONDS } from './problems.js'

const MB = 1024 * 1024

export default fp<{ config: SecurityConfig }>(async function securityPlugin (app, { config }) {
  await app.register(helmet, { global: true })
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
  await app.register(underPressure, {
    maxEventLoopDelay: config.PRESSURE_MAX_EVENT_LOOP_DELAY_MS,
    maxHeapUsedBytes: config.PRESSURE_MAX_HEAP_MB * MB,
    maxRssBytes: config.PRESSURE_MAX_RSS_MB * MB,
    retryAfter: RETRY_AFTER_SECONDS
  })
}, { name: 'relata-security', dependencies: ['relata-problems'], fastify: '5.x' })
