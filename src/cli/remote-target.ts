// A Relata server over HTTP: imports stream the file to POST /api/<route>/import (the server
// stores it batch by batch as it arrives), exports read GET /api/<route>/stream.
import { once } from 'node:events'
import { Readable, Transform, type Writable } from 'node:stream'
import type { ImportReport } from '../entities/import-ndjson.js'
import { CliError, type Target } from './target.js'

const NEWLINE = 0x0a
/** How many times an export resumes a cut stream from its last complete line. */
const EXPORT_RETRIES = 3

interface StreamPosition {
  rows: number
  /** The cursor of the last document written: where a resumed stream starts. */
  cursor: string | undefined
}

/**
 * Writes the documents of a cursor-line stream (`{"cursor", "data"}`) to `out` as NDJSON, whole
 * lines only, advancing `position` line by line. Resolves with why the stream was cut, if it was.
 */
async function copyLines (
  response: Response,
  out: Writable,
  position: StreamPosition,
  onBatch: () => void
): Promise<string | undefined> {
  const chunks = (
    Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>).setEncoding(
      'utf8'
    ) as AsyncIterable<string>
  )[Symbol.asyncIterator]()
  let partial = ''
  while (true) {
    let next: IteratorResult<string>
    try {
      next = await chunks.next()
    } catch (error) {
      return (error as Error).message
    }
    if (next.done === true) break
    const lines = (partial + next.value).split('\n')
    partial = lines.pop()!
    let text = ''
    for (const line of lines) {
      const { cursor, data } = cursorLine(line)
      text += JSON.stringify(data) + '\n'
      position.cursor = cursor
      position.rows++
    }
    if (text !== '' && !out.write(text)) await once(out, 'drain')
    onBatch()
  }
  // a stream cut between two lines still ends without its final newline
  return partial === '' ? undefined : 'no final newline'
}

function cursorLine (line: string): { cursor: string, data: unknown } {
  let parsed: unknown
  try {
    parsed = JSON.parse(line)
  } catch {
    throw new CliError(`the server sent a line that is not JSON: ${line.slice(0, 80)}`)
  }
  const { cursor, data } = (parsed ?? {}) as { cursor?: unknown, data?: unknown }
  if (typeof cursor !== 'string' || data === undefined) {
    throw new CliError('the server sent no cursor lines for cursor=true: it predates resumable streams; upgrade it')
  }
  return { cursor, data }
}

export function openRemote (baseUrl: string, apiKey?: string): Target {
  const base = baseUrl.replace(/\/+$/, '')
  const headers: Record<string, string> = apiKey === undefined ? {} : { 'x-api-key': apiKey }

  async function call (path: string, init: RequestInit = {}): Promise<Response> {
    let response: Response
    try {
      response = await fetch(base + path, {
        ...init,
        headers: { ...headers, ...(init.headers as Record<string, string>) }
      })
    } catch (error) {
      throw new CliError(
        `cannot reach ${base}: ${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}`
      )
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
    async checkRoute (route) {
      // a one-document page: a route the server does not have answers 404 before any upload
      await call(`/api/${encodeURIComponent(route)}?size=1`)
    },

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
      if (query.full === true) {
        throw new CliError('--full reads the store directly and never goes through a server: ' +
          'drop --url (RELATA_URL) and set DATABASE_URL')
      }
      const params = new URLSearchParams()
      if (query.filter !== undefined) params.set('filter', query.filter)
      const counting = new URLSearchParams([...params, ['size', '1'], ['total', 'exact']])
      const count = await call(`/api/${encodeURIComponent(route)}?${counting.toString()}`)
      const bar = progress(Number(count.headers.get('x-total-count') ?? 0))
      if (query.with !== undefined) params.set('with', query.with)
      // every line carries the cursor that resumes the stream right after it
      params.set('cursor', 'true')
      const position = { rows: 0, cursor: undefined as string | undefined }
      for (let attempt = 0; ; attempt++) {
        const resume =
          position.cursor === undefined ? params : new URLSearchParams([...params, ['after', position.cursor]])
        // identity: a compressed stream cut by the server failed the whole export in fetch's
        // decoder (Node 20: TypeError terminated, cause Z_DATA_ERROR) instead of resuming it
        // after its last complete line
        const response = await call(`/api/${encodeURIComponent(route)}/stream?${resume.toString()}`, {
          headers: { 'accept-encoding': 'identity' }
        })
        const cut = await copyLines(response, out, position, () => bar.update(position.rows))
        if (cut === undefined) break
        const why = `the stream from ${base} was cut off after ${position.rows} documents (${cut})`
        if (attempt === EXPORT_RETRIES) throw new CliError(`${why}; gave up after ${EXPORT_RETRIES} resumptions`)
        bar.note(`${why}; resuming after the last complete line`)
      }
      bar.finish(`exported ${position.rows} documents`)
      return position.rows
    },

    async close () {}
  }
}
