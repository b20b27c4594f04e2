// Reads a curl command line, as the README writes them, into the request it would send, so
// that a test can send it with app.inject. Knows the options the README uses and refuses any
// other, so a new example with a new option makes the test say what to teach it.
import type { InjectOptions } from 'fastify'

export interface CurlRequest {
  method: NonNullable<InjectOptions['method']>
  /** Path and query, without scheme and host. */
  url: string
  headers: Record<string, string>
  /** `@file` bodies name a file; the caller reads it. */
  body?: { text: string } | { file: string }
  globOff: boolean
}

/** Shell words of a line: single and double quotes, backslash escapes; a `#` word starts a comment. */
export function shellWords (line: string): string[] {
  const words: string[] = []
  let word: string | undefined
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (c === '\'') {
      const end = line.indexOf('\'', i + 1)
      if (end === -1) throw new Error(`unclosed ' in ${line}`)
      word = (word ?? '') + line.slice(i + 1, end)
      i = end
    } else if (c === '"') {
      let text = ''
      for (i++; i < line.length && line[i] !== '"'; i++) text += line[i] === '\\' ? line[++i] : line[i]
      if (i >= line.length) throw new Error(`unclosed " in ${line}`)
      word = (word ?? '') + text
    } else if (c === '\\') {
      word = (word ?? '') + (line[++i] ?? '')
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word)
      word = undefined
    } else if (c === '#' && word === undefined) {
      break
    } else {
      word = (word ?? '') + c
    }
  }
  if (word !== undefined) words.push(word)
  return words
}

/** Options that change only what curl shows, not the request. */
const IGNORED = ['-i', '--include', '-s', '--silent', '-S', '-sS', '--show-error', '-N', '--no-buffer', '-f', '--fail']

/** `curl -g -X POST -H 'k: v' --data-binary @f 'localhost:3000/api/x?y=1'` → its request. */
export function parseCurl (line: string): CurlRequest {
  const [command, ...args] = shellWords(line)
  if (command !== 'curl') throw new Error(`not a curl command: ${line}`)
  const request: CurlRequest = { method: 'GET', url: '', headers: {}, globOff: false }
  let get = false
  const encoded: string[] = []
  let explicitMethod: CurlRequest['method'] | undefined
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    const value = () => {
      const next = args[++i]
      if (next === undefined) throw new Error(`${arg} needs a value in ${line}`)
      return next
    }
    if (arg === '-g' || arg === '--globoff') request.globOff = true
    else if (IGNORED.includes(arg)) continue
    else if (arg === '-G' || arg === '--get') get = true
    else if (arg === '-X' || arg === '--request') explicitMethod = value() as CurlRequest['method']
    else if (arg === '-H' || arg === '--header') {
      const header = value()
      const colon = header.indexOf(':')
      request.headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim()
    } else if (arg === '--compressed') request.headers['accept-encoding'] = 'gzip, deflate, br'
    else if (['-d', '--data', '--data-binary', '--data-raw'].includes(arg)) {
      const data = value()
      request.body = data.startsWith('@') && arg !== '--data-raw' ? { file: data.slice(1) } : { text: data }
    } else if (arg === '--data-urlencode') {
      const data = value()
      const eq = data.indexOf('=')
      const [name, text] = eq === -1 ? ['', data] : [`${data.slice(0, eq)}=`, data.slice(eq + 1)]
      encoded.push(`${name}${encodeURIComponent(text)}`)
    } else if (arg.startsWith('-')) throw new Error(`curl option ${arg} is not known to test/support/curl.ts: ${line}`)
    else request.url = arg.replace(/^https?:\/\//, '').replace(/^[^/]*/, '')
  }
  if (request.url === '') throw new Error(`no URL in ${line}`)
  if (encoded.length > 0) {
    if (!get) throw new Error(`--data-urlencode without -G sends a form body, which no route takes: ${line}`)
    request.url += (request.url.includes('?') ? '&' : '?') + encoded.join('&')
  }
  request.method = explicitMethod ?? (request.body !== undefined && !get ? 'POST' : 'GET')
  // curl's default for -d is a form body
  if (request.body !== undefined && request.headers['content-type'] === undefined) {
    request.headers['content-type'] = 'application/x-www-form-urlencoded'
  }
  return request
}

/** Every curl command of a Markdown text, with continuation lines joined. */
export function curlLines (markdown: string): string[] {
  const joined = markdown.replace(/\s*\\\n\s*/g, ' ')
  return joined.split('\n').map(l => l.trim()).filter(l => l.startsWith('curl '))
}
