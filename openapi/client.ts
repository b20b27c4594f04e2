// A typed client for the sample model's API: openapi-fetch over the types that
// openapi-typescript generated from openapi/openapi.json, plus a typed NDJSON stream reader.
// A change to the API that breaks a caller fails `npm run typecheck`.
import createClient, { type Client, type ClientOptions } from 'openapi-fetch'
import type { components, paths } from './schema.js'

export type { components, paths }
export type Schemas = components['schemas']
export type RelataClient = Client<paths>

/** Paths whose GET answers NDJSON, and the type of one line of each. */
export type StreamPath = {
  [P in keyof paths]: paths[P] extends { get: { responses: { 200: { content: { 'application/x-ndjson': unknown } } } } }
    ? P
    : never
}[keyof paths]
export type StreamItem<P extends StreamPath> = paths[P]['get']['responses'][200]['content']['application/x-ndjson']
type StreamQuery<P extends StreamPath> = NonNullable<paths[P]['get']['parameters']['query']>

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
export async function * stream<P extends StreamPath> (
  client: RelataClient,
  path: P,
  query?: StreamQuery<P>
): AsyncGenerator<StreamItem<P>> {
  // openapi-fetch cannot follow a generic path through its overloads; the types above are exact.
  const get = client.GET as (
    path: string,
    init: object
  ) => Promise<{ data?: ReadableStream<Uint8Array>, error?: unknown, response: Response }>
  const { data, error, response } = await get(path, { params: { query }, parseAs: 'stream' })
  if (data === undefined) throw new Error(`GET ${path} answered ${response.status}: ${JSON.stringify(error)}`)
  yield * ndjsonLines<StreamItem<P>>(data)
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
