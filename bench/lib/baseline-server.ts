// The baseline of the HTTP benches: a bare node:http server that reads each request body and answers
// 204. Prints one JSON line {"msg":"baseline is running","url":...} once it listens on 127.0.0.1.
import { createServer } from 'node:http'

const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  req.on('data', () => undefined)
  req.on('end', () => {
    res.writeHead(204)
    res.end()
  })
})
server.listen(0, '127.0.0.1', () => {
  const addr = server.address()
  const port = typeof addr === 'object' && addr ? addr.port : 0
  process.stdout.write(
    `${JSON.stringify({ msg: 'baseline is running', url: `http://127.0.0.1:${port}/` })}\n`,
  )
})
process.on('SIGTERM', () => {
  server.closeAllConnections()
  server.close(() => process.exit(0))
})
