// Requests over a real socket, for what app.inject cannot show: a client that reads slowly,
// pauses or leaves in the middle of a stream.
import { request, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'

/** Listens on a free local port; answers the base URL. */
export async function listen (app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

/** A GET whose response is handed over as soon as its head arrives, the body left to read. */
export function get (url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => request(url, resolve).on('error', reject).end())
}

/** Reads until `done` holds of what was read, at most `tries` times `ms` apart; answers the last read. */
export async function pollUntil<T> (read: () => Promise<T>, done: (value: T) => boolean, tries: number,
  ms: number): Promise<T> {
  let value = await read()
  for (let i = 0; i < tries && !done(value); i++) {
    await new Promise(resolve => setTimeout(resolve, ms))
    value = await read()
  }
  return value
}
