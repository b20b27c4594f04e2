// Helmet's security headers on every answer, written by Node as one piece of text checked once at
// start-up. Set through Fastify (reply.headers) they cost every request 12 header calls, and Node
// checked each name and value again (two regular expressions) and took it apart when it wrote the
// head: ~10 µs per request, against ~1 µs for the same bytes as one text (bench/README.md, "The
// hooks and headers pass").
// `SecuredResponse` is the server's response class (Fastify's `http.ServerResponse` option): it
// puts the text right after the status line of every head it writes, leaving out a header the
// answer sets itself (Swagger UI's CSP on /docs). Answers made by other response classes
// (app.inject's) get the headers through Fastify instead: see `needsSecurityHeaders`.
import { ServerResponse, validateHeaderName, validateHeaderValue, type IncomingMessage } from 'node:http'
import helmet from 'helmet'

/**
 * Helmet's default headers, computed once. @fastify/helmet rebuilds the helmet middleware on
 * every request, which cost about 7% of a GET's CPU in bench/get-by-id.ts; the headers do not
 * depend on the request, so they are captured from helmet itself at start-up.
 */
function helmetHeaders (): Record<string, string> {
  const headers: Record<string, string> = {}
  const response = {
    setHeader (name: string, value: unknown) { headers[name.toLowerCase()] = String(value) },
    removeHeader (name: string) { delete headers[name.toLowerCase()] }
  }
  helmet()({} as never, response as never, () => {})
  return headers
}

/** The headers, lowercase names; frozen, since every answer shares them. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze(helmetHeaders())

const NAMES = Object.keys(SECURITY_HEADERS)
const NAME_SET = new Set(NAMES)

/** The header lines of `names`, each name and value checked as Node checks them (it throws). */
function headerText (names: readonly string[]): string {
  let text = ''
  for (const name of names) {
    const value = SECURITY_HEADERS[name]!
    validateHeaderName(name)
    validateHeaderValue(name, value)
    text += `${name}: ${value}\r\n`
  }
  return text
}

const TEXT = headerText(NAMES)

/** The lowercase names an array of headers sets, in either form Node takes ([k, v, …] or [[k, v], …]). */
function arrayNames (headers: readonly unknown[]): Set<string> {
  const names = new Set<string>()
  const pairs = Array.isArray(headers[0])
  for (let i = 0; i < headers.length; i += pairs ? 1 : 2) {
    const name = pairs ? (headers[i] as unknown[])[0] : headers[i]
    if (typeof name === 'string') names.add(name.toLowerCase())
  }
  return names
}

/**
 * The security header lines to write beside `headers` (what writeHead was given: Fastify's object
 * of lowercase names, Node's own store of them, or an array): all of them, but for those the
 * answer sets itself, which win as they did when Fastify held both.
 */
function textBeside (headers: unknown): string {
  if (headers === null || typeof headers !== 'object') return TEXT
  if (Array.isArray(headers)) {
    const own = arrayNames(headers)
    return own.size === 0 ? TEXT : headerText(NAMES.filter(name => !own.has(name)))
  }
  // the answer's few headers against the set: cheaper than looking each of the 12 up in them
  for (const name in headers) {
    if (NAME_SET.has(name)) return headerText(NAMES.filter(other => !(other in headers)))
  }
  return TEXT
}

/** The method of Node's OutgoingMessage that turns the headers into the head's text (not in @types/node). */
type StoreHeader = (this: ServerResponse, firstLine: string, headers: unknown) => void

const storeHeader = (ServerResponse.prototype as unknown as { _storeHeader?: StoreHeader })._storeHeader

/** The server's responses, writing the security headers themselves; undefined on a Node without that method. */
export const SecuredResponse: typeof ServerResponse | undefined = storeHeader === undefined
  ? undefined
  : class SecuredResponse<Request extends IncomingMessage = IncomingMessage> extends ServerResponse<Request> {
    _storeHeader (firstLine: string, headers: unknown): void {
      storeHeader!.call(this, firstLine + textBeside(headers), headers)
    }
  }

/** Whether this answer needs the headers set through Fastify: its response class does not write them. */
export function needsSecurityHeaders (raw: ServerResponse): boolean {
  return SecuredResponse === undefined || !(raw instanceof SecuredResponse)
}
