// Lets a closing server end its keep-alive connections as soon as their last response is sent.
// server.close() only closes the connections idle at that moment; one busy with a stream (or any
// slow answer) stays open after it, for the whole keepAliveTimeout (72 s), so the process
// could not exit before SHUTDOWN_GRACE_MS ran out although no work was left.
import fp from 'fastify-plugin'

export default fp(async function closeConnectionsPlugin (app) {
  let closing = false
  app.addHook('preClose', async function markClosing () {
    closing = true
  })
  // a callback hook: an async one costs a promise and a microtask turn on every request
  app.addHook('onResponse', function endKeepAlive (request, _reply, done) {
    // reply.raw has already let go of its socket here; the request still holds it.
    // destroySoon writes what is buffered, then closes: the answer arrives whole.
    const socket = request.raw.socket
    // app.inject's requests carry a stand-in socket, without destroySoon
    if (closing && typeof socket?.destroySoon === 'function') socket.destroySoon()
    done()
  })
}, { name: 'relata-close-connections', fastify: '5.x' })
