// A typed client for the sample model's API: openapi-fetch over the types that
// openapi-typescript generated from openapi/openapi.json, plus a typed NDJSON stream reader.
// A change to the API that breaks a caller fails `npm run typecheck`.
import createClient, { type Client, type ClientOptions } from 'openapi-fetch'
import type { components, importItems, paths, streamLines } from './schema.js'

export type { components, importItems, paths, streamLines }
export type Schemas = components['schemas']
export type RelataClient = Client<paths>
/** A document as reads answer it: whole, or trimmed by `fields` (`<Entity>Partial`: only `id` is sure). */
export type Read<E extends keyof Schemas & string> =
  `${E}Partial` extends keyof Schemas ? Schemas[E] | Schemas[`${E}Partial`] : Schemas[E]

/** Paths whose GET answers NDJSON. */
export type StreamPath = keyof streamLines & keyof paths
type StreamQuery<P extends StreamPath> = NonNullable<paths[P]['get']['parameters']['query']>
type LineItem<P extends StreamPath, Q> = Q extends { with: '' }
  ? streamLines[P]['document']
  : Q extends { with: string } ? streamLines[P]['graph'] : streamLines[P]['document']
/**
 * One line of stream P for a request with query Q: with `cursor: true` a cursor line (its `data`
 * typed as below), with a non-empty `with` a graph, otherwise a document (whole, or trimmed by `fields`).
 */
export type StreamLine<P extends StreamPath, Q = Record<string, never>> = Q extends { cursor: true }
  ? Omit<streamLines[P]['cursor'], 'data'> & { data: LineItem<P, Q> }
  : LineItem<P, Q>

export function createRelataClient (baseUrl: string, options: Omit<ClientOptions, 'baseUrl'> = {}): RelataClient {
  return createClient<paths>({ ...options, baseUrl })
}

/** Narrows a read that was made with `shape=normalized` to its normalized form (`data`, `included`, `links`). */
export function isNormalized<T> (value: T): value is Extract<T, { data: unknown, included: unknown, links: unknown }> {
  return typeof value === 'object' && value !== null && 'data' in value && 'included' in value && 'links' in value
}

/** Narrows a read that was made with `with` to its graph (`entity`, `parents`, `children`). */
export function isGraph<T> (value: T): value is Extract<T, { entity: unknown, parents: unknown, children: unknown }> {
  return typeof value === 'object' && value !== null && 'entity' in value && 'parents' in value && 'children' in value
}

/**
 * Every line of a stream operation, parsed and typed, read as the server sends it. Throws when
 * the answer is not 200 or the body ends without a final newline (the server was cut off).
 */
export async function * stream<P extends StreamPath, const Q extends StreamQuery<P> = Record<string, never>> (
  client: RelataClient,
  path: P,
  query?: Q
): AsyncGenerator<StreamLine<P, Q>> {
  // openapi-fetch cannot follow a generic path through its overloads; the types above are exact.
  const get = client.GET as (
    path: string,
    init: object
  ) => Promise<{ data?: ReadableStream<Uint8Array>, error?: unknown, response: Response }>
  const { data, error, response } = await get(path, { params: { query }, parseAs: 'stream' })
  if (data === undefined) throw new Error(`GET ${path} answered ${response.status}: ${JSON.stringify(error)}`)
  yield * ndjsonLines<StreamLine<P, Q>>(data)
}

/** Paths that import NDJSON. */
export type ImportPath = keyof importItems & keyof paths

/**
 * Imports documents as NDJSON lines, sent raw (openapi-fetch would send a body as one JSON string):
 * each document becomes one line. Answers the import report, or throws on a problem.
 */
export async function importLines<P extends ImportPath> (
  client: RelataClient,
  path: P,
  documents: Iterable<importItems[P]>,
  query?: NonNullable<paths[P]['post']['parameters']['query']>
) {
  const body = [...documents].map(doc => JSON.stringify(doc) + '\n').join('')
  const post = client.POST as (path: string, init: object) => Promise<{
    data?: paths[P]['post']['responses'][200]['content']['application/json']
    error?: unknown
    response: Response
  }>
  const { data, error, response } = await post(path, {
    body,
    params: { query },
    bodySerializer: (text: string) => text,
    headers: { 'content-type': 'application/x-ndjson' }
  })
  if (data === undefined) throw new Error(`POST ${path} answered ${response.status}: ${JSON.stringify(error)}`)
  return data
}

/** Parses an NDJSON byte stream one line at a time. */
export async function * ndjsonLines<T> (body: ReadableStream<Uint8Array>): AsyncGenerator<T> {
  const decoder = new TextDecoder()
  let rest = ''
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    const lines = (rest + decoder.decode(chunk, { stream: true })).split('\n')
    rest = lines.pop()!
    for (const line of lines) if (line !== '') yield JSON.parse(line) as T
  }
  rest += decoder.decode()
  if (rest !== '') throw new Error('the stream ended in the middle of a line: the server was cut off')
}
