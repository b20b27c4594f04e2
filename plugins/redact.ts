// Credentials never reach the logs: whatever logger the app is given, request headers that
// carry API keys or cookies are redacted by pino before anything is written.
import type { FastifyServerOptions } from 'fastify'

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie'
]

export function withRedaction (logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (logger === true) logger = {}
  // a ready-made logger instance keeps its own settings
  if (typeof logger !== 'object' || logger === null || 'info' in logger) return logger
  return { ...logger, redact: { paths: REDACTED_PATHS, censor: '[Redacted]' } }
}
