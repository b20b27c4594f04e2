// Compresses answers with brotli or gzip, as the client's Accept-Encoding asks (@fastify/compress).
// A `with=all` page of 100 orders is ~236 kB of JSON and shrinks about tenfold. Answers under
// COMPRESS_THRESHOLD bytes are sent as they are: compressing them costs more than it saves.
// Streams are compressed too, and flushed at every write, so an NDJSON stream still arrives
// batch by batch instead of waiting for zlib's buffer to fill.
// The plugin gives every route an onRequest hook (it sets reply.compress, which no route of ours
// calls) and an onSend hook that negotiates the coding before it looks at the answer's size. Both
// run on every request; here each route keeps only the onSend hook, behind a gate that sends
// the answers the plugin would leave alone (small, or not asked compressed) without calling it.
import compress from '@fastify/compress'
import type { onRequestHookHandler, onSendHookHandler, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import { constants } from 'node:zlib'

export const COMPRESS_THRESHOLD = 1024

/** Quality 4, the plugin's default (11 costs many times the CPU); giving params replaces it. */
export const BROTLI_PARAMS = {
  [constants.BROTLI_PARAM_QUALITY]: 4,
  [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT
}

/** @fastify/compress's default list (text, JSON, XML) and NDJSON, which it does not know. */
const COMPRESSIBLE = /^text\/(?!event-stream)|(?:\+|\/)(?:x-nd)?json(?:;|$)|(?:\+|\/)xml(?:;|$)/u

/** Whether a whole answer is under the threshold, in bytes. */
function small (payload: string | Buffer): boolean {
  if (typeof payload !== 'string') return payload.length < COMPRESS_THRESHOLD
  if (payload.length >= COMPRESS_THRESHOLD) return false
  // UTF-8 takes at most 3 bytes per UTF-16 unit: most answers are told apart without counting
  return payload.length * 3 < COMPRESS_THRESHOLD || Buffer.byteLength(payload) < COMPRESS_THRESHOLD
}

/**
 * The plugin's onSend behind a gate: a whole answer (text or bytes) that is small, or that the
 * client did not ask compressed, is what the plugin would send unchanged (it checks the same
 * before anything else it does to such an answer), so it goes out without the plugin's work.
 */
function gated (compressAnswer: onSendHookHandler): onSendHookHandler {
  return function compressLargeAnswers (request, reply, payload, done) {
    if ((typeof payload === 'string' || Buffer.isBuffer(payload)) &&
      (request.headers['accept-encoding'] === undefined || small(payload))) {
      done(null, payload)
      return
    }
    compressAnswer.call(this, request, reply, payload, done)
  }
}

/** The last hook of a route's list of `kind`, which must be the plugin's (named `kind`): it has just added it. */
function popPluginHook<T extends onRequestHookHandler | onSendHookHandler> (
  route: RouteOptions, kind: 'onRequest' | 'onSend'): T {
  const hooks = route[kind] as T | T[] | undefined
  const list = Array.isArray(hooks) ? hooks : hooks === undefined ? [] : [hooks]
  const last = list.at(-1)
  if (last?.name !== kind) {
    throw new Error(`@fastify/compress no longer adds its ${kind} hook last on ${route.method.toString()} ` +
      `${route.url}: see plugins/compression.ts`)
  }
  ;(route as unknown as Record<string, T[]>)[kind] = list.slice(0, -1)
  return last
}

export default fp(async function compressionPlugin (app) {
  await app.register(compress, {
    encodings: ['br', 'gzip'],
    threshold: COMPRESS_THRESHOLD,
    customTypes: COMPRESSIBLE,
    // a flush per write: each stream batch leaves the server when it is read from the store
    zlibOptions: { flush: constants.Z_SYNC_FLUSH },
    brotliOptions: { flush: constants.BROTLI_OPERATION_FLUSH, params: BROTLI_PARAMS },
    // request bodies are not decompressed: no client of ours sends them compressed
    globalDecompression: false
  })
  // runs after the plugin's own onRoute hook, registered above: the route holds its two hooks
  app.addHook('onRoute', function keepOnlyCompression (route: RouteOptions) {
    if ((route as { compress?: unknown }).compress !== undefined) return
    popPluginHook(route, 'onRequest')
    const compressAnswer = popPluginHook<onSendHookHandler>(route, 'onSend')
    route.onSend = [...(route.onSend as onSendHookHandler[]), gated(compressAnswer)]
  })
}, { name: 'relata-compression', fastify: '5.x' })
