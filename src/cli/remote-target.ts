// A Relata server over HTTP: imports stream the file to POST /api/<route>/import (the server
// stores it batch by batch as it arrives), exports read GET /api/<route>/stream.
import { once } from 'node:events'
import { Readable, Transform, type Writable } from 'node:stream'
import type { ImportReport } from '../entities/import-ndjson.js'
import { CliError, type Target } from './target.js'

const NEWLINE = 0x0a

export function openRemote (baseUrl: string, apiKey?: string): Target {
  const base = baseUrl.replace(/\/+$/, '')
  const headers: Record<string, string> = apiKey === undefined ? {} : { 'x-api-key': apiKey }

  async function call (path: string, init: RequestInit = {}): Promise<Response> {
    let response: Response
    try {
      response = await fetch(base + path, { ...init, headers: { ...headers, ...init.headers as Record<string, string> } })
    } catch (error) {
      throw new CliError(`cannot reach ${base}: ${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}`)
    }
    if (!response.ok) {
      const body = await response.text()
      let detail = body
      try { detail = (JSON.parse(body) as { detail?: string }).detail ?? body } catch {}
      throw new CliError(`${init.method ?? 'GET'} ${path} answered ${response.status}: ${detail}`)
    }
    return response
  }

  return {
    async import (route, source, batchSize, progress) {
      const bar = progress(source.size)
      let bytes = 0
      let lines = 0
      const counter = new Transform({
        transform (chunk: Buffer, _encoding, done) {
          bytes += chunk.length
          for (const byte of chunk) if (byte === NEWLINE) lines++
          bar.update(lines, source.size === undefined ? lines : bytes)
          done(null, chunk)
        }
      })
      source.stream.on('error', error => counter.destroy(error))
      const response = await call(`/api/${encodeURIComponent(route)}/import?batchSize=${batchSize}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: Readable.toWeb(source.stream.pipe(counter)) as ReadableStream,
        duplex: 'half'
      } as RequestInit)
      const report = await response.json() as ImportReport
      bar.finish(`stored ${report.stored}, rejected ${report.rejected} of ${report.lines} lines`)
      return report
    },

    async export (route, query, out, progress) {
      const params = new URLSearchParams()
      if (query.filter !== undefined) params.set('filter', query.filter)
      const count = await call(`/api/${encodeURIComponent(route)}?${new URLSearchParams([...params, ['size', '1']]).toString()}`)
      const bar = progress(Number(count.headers.get('x-total-count') ?? 0))
      if (query.with !== undefined) params.set('with', query.with)
      const response = await call(`/api/${encodeURIComponent(route)}/stream?${params.toString()}`)
      let rows = 0
      let last = NEWLINE
      const cutOff = (why: string) => new CliError(`the stream from ${base} was cut off after ${rows} documents (${why})`)
      try {
        for await (const chunk of Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>) as AsyncIterable<Buffer>) {
          for (const byte of chunk) if (byte === NEWLINE) rows++
          last = chunk[chunk.length - 1] ?? last
          if (!out.write(chunk)) await once(out, 'drain')
          bar.update(rows)
        }
      } catch (error) {
        throw cutOff((error as Error).message)
      }
      if (last !== NEWLINE) throw cutOff('no final newline')
      bar.finish(`exported ${rows} documents`)
      return rows
    },

    async close () {}
  }
}
