// The baselines of the HTTP benches. Bare (no argument): a node:http server that reads each request
// body and answers 204. Durable (`--durable <dir>`): the same server, but each body is appended to
// one file and the 204 waits until it is fdatasync'd, through the plainest group commit
// (RawGroupCommit: everything queued in one write + fdatasync, then the next); no parsing, framing
// or checks. It is the least any server that answers only once a request is durable does per
// request on this disk and load. Prints one JSON line {"msg":"baseline is running","url":...} once
// it listens on 127.0.0.1.
import { open } from 'node:fs/promises'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { RawGroupCommit } from './raw-group-commit.ts'

const at = process.argv.indexOf('--durable')
const durableDir = at >= 0 ? process.argv[at + 1] : undefined
if (at >= 0 && !durableDir) {
  process.stderr.write('baseline-server: --durable needs a directory\n')
  process.exit(2)
}
const commit = durableDir ? new RawGroupCommit(await open(join(durableDir, 'baseline.log'), 'a')) : null

const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  if (commit === null) {
    req.on('data', () => undefined)
    req.on('end', () => {
      res.writeHead(204)
      res.end()
    })
    return
  }
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    commit.append(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).then(
      () => {
        res.writeHead(204)
        res.end()
      },
      (err: unknown) => {
        res.writeHead(500)
        res.end(String(err))
      },
    )
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
