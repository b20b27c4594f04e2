// Compresses answers with brotli or gzip, as the client's Accept-Encoding asks (@fastify/compress).
// A `with=all` page of 100 orders is ~236 kB of JSON and shrinks about tenfold. Answers under
// COMPRESS_THRESHOLD bytes are sent as they are: compressing them costs more than it saves.
// Streams are compressed too, and flushed at every write, so an NDJSON stream still arrives
// batch by batch instead of waiting for zlib's buffer to fill.
import compress from '@fastify/compress'
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
}, { name: 'relata-compression', fastify: '5.x' })
