// Lets a closing server end its keep-alive connections as soon as their last response is sent.
// server.close() only closes the connections idle at that moment; one busy with a stream (or any
// slow answer) stays open after it, for the whole keepAliveTimeout (72 s), so the process
// could not exit before SHUTDOWN_GRACE_MS ran out although no work was left.
// Nothing runs per request while the server serves: Node's `http.server.response.finish`
// diagnostics channel is subscribed to only once the app starts closing (an onResponse hook cost
// every request a hook run and Fastify's response listeners, ~5 % of a plain GET's CPU).
import diagnostics from 'node:diagnostics_channel'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import fp from 'fastify-plugin'

const RESPONSE_FINISHED = 'http.server.response.finish'

/** What Node publishes on RESPONSE_FINISHED, for every HTTP server of the process. */
interface FinishedResponse {
  request: IncomingMessage
  response: ServerResponse
  socket: Socket
  server: Server
}

export default fp(async function closeConnectionsPlugin (app) {
  function endKeepAlive (message: unknown): void {
    const { server, socket } = message as FinishedResponse
    // the channel is the process's: other apps (tests run several) keep their connections
    if (server !== app.server) return
    // destroySoon writes what is buffered, then closes: the answer arrives whole
    socket.destroySoon()
  }
  app.addHook('preClose', function watchLastAnswers (done) {
    diagnostics.subscribe(RESPONSE_FINISHED, endKeepAlive)
    done()
  })
  // onClose runs once the server has closed, that is once every connection has ended
  app.addHook('onClose', function stopWatching (_app, done) {
    diagnostics.unsubscribe(RESPONSE_FINISHED, endKeepAlive)
    done()
  })
}, { name: 'relata-close-connections', fastify: '5.x' })
