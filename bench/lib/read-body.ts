// Reads a whole streamed answer over HTTP: its line count and, when asked, the SHA-256 of its bytes.
import { createHash } from 'node:crypto'
import { request } from 'node:http'

/** GETs `url` and counts the lines of the body; with `hash`, its SHA-256 too. */
export function readBody (url: string, hash: boolean): Promise<{ lines: number, digest: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, res => {
      if (res.statusCode !== 200) {
        res.resume()
        return reject(new Error(`GET ${url} answered ${res.statusCode}`))
      }
      let lines = 0
      const digest = hash ? createHash('sha256') : undefined
      res.on('data', (chunk: Buffer) => {
        digest?.update(chunk)
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++
      })
      res.on('end', () => resolve({ lines, digest: digest?.digest('hex') ?? '' }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}
