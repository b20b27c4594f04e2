// Checks one HTTP response against an OpenAPI 3.1 document with ajv (JSON Schema 2020-12): the
// operation it answers, its status, content type, body (each line of NDJSON, by the media type's
// itemSchema) and the headers the response declares. Used by contract.ts on every test app.
import { brotliDecompressSync, constants, gunzipSync, inflateSync } from 'node:zlib'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void

export interface SeenResponse {
  method: string
  url: string
  status: number
  headers: Record<string, unknown>
  body: Buffer
  /** False when the connection closed before the response ended: only whole NDJSON lines are checked. */
  complete: boolean
}

interface MediaType { schema?: unknown, itemSchema?: unknown, 'x-oai-itemSchema'?: unknown }
interface Header { required?: boolean, schema?: { type?: string } }
interface ResponseObject { content?: Record<string, MediaType>, headers?: Record<string, Header> }
interface Operation { responses?: Record<string, ResponseObject> }
interface Spec { paths: Record<string, Record<string, Operation>>, components?: { schemas?: Record<string, unknown> } }

interface Route { path: string, pattern: RegExp, templated: number }

const SPEC_ID = 'openapi.json'
const PROBLEM = '#/components/schemas/Problem'
const NDJSON = 'application/x-ndjson'
const CUT_STREAM_LINES = 100

/** JSON pointer segment escaping (RFC 6901). */
const escape = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1')

export class ContractChecker {
  /** One checker per distinct document: apps of the same model share compiled validators. */
  private static readonly cache = new Map<string, ContractChecker>()

  static of (spec: unknown): ContractChecker {
    const text = JSON.stringify(spec)
    let checker = ContractChecker.cache.get(text)
    if (checker === undefined) ContractChecker.cache.set(text, checker = new ContractChecker(JSON.parse(text) as Spec))
    return checker
  }

  private readonly ajv: Ajv2020
  private readonly routes: Route[]
  private readonly validators = new Map<string, ValidateFunction>()

  private constructor (private readonly spec: Spec) {
    // refs not inlined: graphs refer to each other, and inlining them multiplies compile time tenfold
    this.ajv = new Ajv2020({ strict: false, inlineRefs: false, validateSchema: false, validateFormats: true })
    addFormats(this.ajv)
    this.ajv.addSchema(spec as object, SPEC_ID)
    // literal paths before templated ones: /api/orders/stream is not /api/orders/{id}
    this.routes = Object.keys(spec.paths).map(path => ({
      path,
      pattern: new RegExp('^' + path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+') + '$'),
      templated: (path.match(/\{/g) ?? []).length
    })).sort((a, b) => a.templated - b.templated)
  }

  /** What in this response the document does not declare; empty when it matches. */
  check (seen: SeenResponse): string[] {
    const method = seen.method.toLowerCase()
    if (method === 'options') return [] // CORS preflights: answered by @fastify/cors on every path
    const path = this.pathOf(seen.url)
    const operation = path === undefined
      ? undefined
      : this.spec.paths[path]?.[method === 'head' ? 'get' : method]
    const type = contentType(seen.headers)
    if (path === undefined || operation === undefined) {
      // not an operation of the document (/docs, /openapi.json, an unknown route): problems still have one shape
      const problem = type === 'application/problem+json' && method !== 'head'
      return problem ? this.validate(PROBLEM, this.parsed(seen), 'body') : []
    }
    const pointer = `#/paths/${escape(path)}/${method === 'head' ? 'get' : method}/responses`
    const status = String(seen.status)
    const responses = operation.responses ?? {}
    const key = [status, `${status[0]}XX`, 'default'].find(k => responses[k] !== undefined)
    // 499 answers a client that has gone: no client reads it, so no operation declares it; its
    // body is still a problem
    if (key === undefined && seen.status === 499) return this.validate(PROBLEM, this.parsed(seen), 'body')
    if (key === undefined) {
      return [`status ${status} is not declared (declared: ${Object.keys(responses).join(', ')})`]
    }
    const declared = responses[key]!
    const problems = this.checkHeaders(seen, declared, `${pointer}/${key}`)
    if (method === 'head' || seen.status === 204 || seen.status === 304) return problems
    const content = declared.content ?? {}
    if (Object.keys(content).length === 0) {
      return seen.body.length === 0 ? problems : [...problems, `a body is sent where none is declared (${type})`]
    }
    const media = type === undefined ? undefined : content[type]
    if (media === undefined) {
      return [...problems, `content type ${type} is not declared (declared: ${Object.keys(content).join(', ')})`]
    }
    const at = `${pointer}/${key}/content/${escape(type!)}`
    if (type === NDJSON) return [...problems, ...this.checkLines(seen, media, at)]
    if (type === 'application/json' || type!.endsWith('+json')) {
      return [...problems, ...this.validate(`${at}/schema`, this.parsed(seen), 'body')]
    }
    return problems
  }

  /**
   * Compiles the validators of every answer the request's operation declares, before it is answered:
   * the first compile of a schema takes a while, which must not fall within what a test times.
   */
  prepare (method: string, url: string): void {
    const path = this.pathOf(url)
    const verb = method.toLowerCase() === 'head' ? 'get' : method.toLowerCase()
    const responses = path === undefined ? undefined : this.spec.paths[path]?.[verb]?.responses
    if (responses === undefined) return
    const at = `#/paths/${escape(path!)}/${verb}/responses`
    for (const [status, response] of Object.entries(responses)) {
      for (const [type, media] of Object.entries(response.content ?? {})) {
        const item = ['itemSchema', 'x-oai-itemSchema', 'schema'].find(key => key in media)
        if (item !== undefined) this.validator(`${at}/${status}/content/${escape(type)}/${item}`)
      }
    }
  }

  private pathOf (url: string): string | undefined {
    let path = url.split('?')[0]!
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1)
    return this.routes.find(route => route.pattern.test(path))?.path
  }

  private checkHeaders (seen: SeenResponse, declared: ResponseObject, at: string): string[] {
    const problems: string[] = []
    for (const [name, header] of Object.entries(declared.headers ?? {})) {
      const value = seen.headers[name.toLowerCase()]
      if (value === undefined) {
        if (header.required === true) problems.push(`required header ${name} is missing`)
        continue
      }
      const type = header.schema?.type
      const text = String(value)
      const typed = (type === 'integer' || type === 'number') && text.trim() !== '' ? Number(text) : text
      problems.push(...this.validate(`${at}/headers/${escape(name)}/schema`, typed, `header ${name}`))
    }
    return problems
  }

  private checkLines (seen: SeenResponse, media: MediaType, at: string): string[] {
    const item = media.itemSchema !== undefined
      ? 'itemSchema'
      : media['x-oai-itemSchema'] !== undefined ? 'x-oai-itemSchema' : 'schema'
    const lines = decode(seen).toString('utf8').split('\n')
    lines.pop() // what follows the last newline: empty, or a line cut with the connection
    // a stream the client left is checked on its first lines only: tests that leave streams time what
    // happens next, and checking thousands of lines at that moment would hold up the server they time
    if (!seen.complete) lines.splice(CUT_STREAM_LINES)
    const problems: string[] = []
    for (const [i, line] of lines.entries()) {
      let value: unknown
      try {
        value = JSON.parse(line)
      } catch {
        problems.push(`line ${i + 1} is not JSON: ${line.slice(0, 80)}`)
        continue
      }
      problems.push(...this.validate(`${at}/${item}`, value, `line ${i + 1}`))
      if (problems.length > 0) break
    }
    return problems
  }

  private parsed (seen: SeenResponse): unknown {
    const text = decode(seen).toString('utf8')
    try {
      return JSON.parse(text)
    } catch {
      return seen.complete ? `(not JSON) ${text.slice(0, 80)}` : undefined
    }
  }

  private validator (pointer: string): ValidateFunction {
    let validate = this.validators.get(pointer)
    if (validate === undefined) {
      validate = this.ajv.compile({ $ref: `${SPEC_ID}${pointer}` })
      this.validators.set(pointer, validate)
    }
    return validate
  }

  private validate (pointer: string, value: unknown, what: string): string[] {
    const validate = this.validator(pointer)
    if (validate(value)) return []
    const errors = (validate.errors ?? []).slice(0, 4)
      .map(e => `${e.instancePath || '/'} ${e.message ?? ''} ${e.params === undefined ? '' : JSON.stringify(e.params)}`)
    return [`${what} does not match ${pointer}: ${errors.join(', ')} in ${JSON.stringify(value)?.slice(0, 300)}`]
  }
}

function contentType (headers: Record<string, unknown>): string | undefined {
  const value = headers['content-type']
  return typeof value === 'string' ? value.split(';')[0]!.trim().toLowerCase() : undefined
}

/** The body as the client reads it: decompressed, tolerating an end cut mid-stream. */
function decode (seen: SeenResponse): Buffer {
  const coding = seen.headers['content-encoding']
  if (seen.body.length === 0) return seen.body
  if (coding === 'br') {
    return brotliDecompressSync(seen.body, { finishFlush: constants.BROTLI_OPERATION_FLUSH })
  }
  if (coding === 'gzip') return gunzipSync(seen.body, { finishFlush: constants.Z_SYNC_FLUSH })
  if (coding === 'deflate') return inflateSync(seen.body, { finishFlush: constants.Z_SYNC_FLUSH })
  return seen.body
}
