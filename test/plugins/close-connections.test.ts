// The close-connections plugin on a bare Fastify instance: a keep-alive connection busy when the
// app starts closing is closed right after its answer, so close() does not wait for the client.
import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import { once } from 'node:events'
import { Agent, request, type IncomingMessage } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import closeConnections from '../../plugins/close-connections.js'

/** An app whose GET /slow waits for `release`; `entered` resolves when a request reached it. */
async function slowApp (): Promise<{ app: FastifyInstance, entered: Promise<void>, release: () => void }> {
  const app = Fastify()
  await app.register(closeConnections)
  let enter = (): void => {}
  let release = (): void => {}
  const entered = new Promise<void>(resolve => { enter = resolve })
  const held = new Promise<void>(resolve => { release = resolve })
  app.get('/slow', async function slow () {
    enter()
    await held
    return { done: true }
  })
  return { app, entered, release }
}

t.test('an answer in flight at close() is delivered whole, then its connection is closed', async t => {
  const { app, entered, release } = await slowApp()
  await app.listen({ port: 0, host: '127.0.0.1' })
  // an agent that would keep the socket open for as long as the server does
  const agent = new Agent({ keepAlive: true })
  t.teardown(() => agent.destroy())
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/slow`
  let socketClosed: Promise<unknown> = Promise.resolve()
  const answered = new Promise<IncomingMessage>(resolve => {
    const req = request(url, { agent }, resolve)
    req.once('socket', (socket: Socket) => { socketClosed = once(socket, 'close') })
    req.end()
  })
  await entered
  const closed = app.close()
  // the answer is sent only once the server stopped listening: server.close() has closed the
  // connections idle at that moment, and this one was busy
  await stoppedListening(app)
  release()
  const res = await answered
  let body = ''
  for await (const chunk of res) body += String(chunk)
  t.equal(res.statusCode, 200)
  t.same(JSON.parse(body), { done: true }, 'the answer arrived whole')
  t.equal(res.headers.connection, 'keep-alive', 'the answer had promised to keep the connection')
  // the agent unrefs its idle sockets: a timer keeps the loop polling for the server's FIN
  const gone = await Promise.race([socketClosed.then(() => true), sleep(2000).then(() => false)])
  t.ok(gone, 'the client saw its keep-alive connection closed by the server')
  // else close() waits for the keep-alive timeout (72 s): the client lets go instead
  if (!gone) agent.destroy()
  await closed
})

t.test('another app of the process keeps its keep-alive connections while one closes', async t => {
  const closing = await slowApp()
  const other = await slowApp()
  t.teardown(() => other.app.close())
  await closing.app.listen({ port: 0, host: '127.0.0.1' })
  await other.app.listen({ port: 0, host: '127.0.0.1' })
  const agent = new Agent({ keepAlive: true })
  t.teardown(() => agent.destroy())
  const held = new Promise<IncomingMessage>(resolve =>
    request(`http://127.0.0.1:${(closing.app.server.address() as AddressInfo).port}/slow`, { agent }, resolve).end())
  await closing.entered
  const closed = closing.app.close()
  await stoppedListening(closing.app)
  let socketClosed: Promise<unknown> = Promise.resolve()
  const answered = new Promise<IncomingMessage>(resolve => {
    const req = request(`http://127.0.0.1:${(other.app.server.address() as AddressInfo).port}/slow`, { agent }, resolve)
    req.once('socket', (socket: Socket) => { socketClosed = once(socket, 'close') })
    req.end()
  })
  await other.entered
  other.release()
  const res = await answered
  res.resume()
  await once(res, 'end')
  const gone = await Promise.race([socketClosed.then(() => true), sleep(500).then(() => false)])
  t.notOk(gone, "the other app's connection stays open")
  closing.release()
  ;(await held).resume()
  await closed
})

t.test('app.inject during close: its stand-in socket is left alone', async t => {
  const { app, entered, release } = await slowApp()
  await app.ready()
  const answer = app.inject('/slow')
  await entered
  const closed = app.close()
  release()
  t.equal((await answer).statusCode, 200)
  await closed
})

async function stoppedListening (app: FastifyInstance): Promise<void> {
  while (app.server.listening) await new Promise(resolve => setImmediate(resolve))
}

function sleep (ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}
