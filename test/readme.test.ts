// The README's curl examples work as written: every curl line is read into its request and sent
// to the sample shop, seeded, in README order, expecting a 2xx. New examples are held to it too.
import t from 'tap'
import { readFile } from 'node:fs/promises'
import { build } from './helper.js'
import { curlLines, parseCurl } from './support/curl.js'

const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8')
const fixtures = new URL('./fixtures/readme/', import.meta.url)

t.test('the curl reader reads what the README writes', async t => {
  t.same(
    parseCurl(
      "curl -g -X POST -H 'content-type: application/x-ndjson' --data-binary @c.ndjson 'http://localhost:3000/api/c/import?batchSize=5'"
    ),
    {
      method: 'POST',
      url: '/api/c/import?batchSize=5',
      headers: { 'content-type': 'application/x-ndjson' },
      body: { file: 'c.ndjson' },
      globOff: true
    }
  )
  t.same(parseCurl('curl -G \'localhost:3000/api/orders\' --data-urlencode \'filter={"a":1}\'  # a comment'), {
    method: 'GET', url: `/api/orders?filter=${encodeURIComponent('{"a":1}')}`, headers: {}, globOff: false
  })
  t.throws(() => parseCurl('curl -u x:y localhost:3000/api'), /curl option -u is not known/)
  t.same(curlLines('a\n  curl -g \'x\' \\\n    -i\ncurl2'), ['curl -g \'x\' -i'])
})

t.test('every curl line of the README answers 2xx on the sample shop', async t => {
  const lines = curlLines(readme)
  t.ok(lines.length >= 8, `the README has curl examples (${lines.length})`)
  const app = await build(t, { env: { SEED: 'true' } })
  for (const line of lines) {
    const request = parseCurl(line)
    t.ok(request.globOff || line.includes(' -G '), `uses -g (or -G --data-urlencode), so curl keeps {} and []: ${line}`)
    let payload: string | undefined
    if (request.body !== undefined) {
      const { body } = request
      payload = 'text' in body ? body.text : await readFile(new URL(body.file, fixtures), 'utf8')
    }
    const { method, url, headers } = request
    const res = await app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) })
    const ok = res.statusCode >= 200 && res.statusCode < 300
    t.ok(ok, `${res.statusCode} ${line}${ok ? '' : `\n${res.body.slice(0, 500)}`}`)
  }
})

t.test('a filter whose braces curl ate is a 400 that says so', async t => {
  const app = await build(t)
  // what `curl 'localhost:3000/api/orders?filter={"status":"paid"}'` sends without -g
  const res = await app.inject('/api/orders?filter="status":"paid"')
  t.equal(res.statusCode, 400)
  t.match(
    res.json().detail,
    /^filter is not valid JSON: .*; it is JSON once wrapped in \{\}: curl takes \{\} and \[\] in URLs as globs, so use curl -g, or -G --data-urlencode 'filter=\{\.\.\.\}'$/
  )
  const other = await app.inject('/api/orders?filter=status:paid')
  t.notMatch(other.json().detail, /curl/, 'no hint when braces would not help')
})
