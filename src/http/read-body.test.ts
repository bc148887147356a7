// readBody's shared budget over a real server: a body that does not fit beside the ones being read
// is refused with 503 before it is read, a finished or abandoned body gives its bytes back, and a
// gzip body is read whole (its request completes before the inflated stream ends).
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, test } from 'node:test'
import { gzipSync } from 'node:zlib'
import { toHttpError } from '../core/errors.ts'
import { BodyBudget, readBody } from './read-body.ts'

const budget = new BodyBudget(2_000)
/** Called with each request as soon as its handler has started reading it. */
let arrived: (req: IncomingMessage) => void = () => {}

const server: Server = createServer((req, res) => {
  const reading = readBody(req, 10_000, budget)
  arrived(req)
  reading.then(
    (body) => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.end(String(body.length))
    },
    (err: unknown) => {
      const e = toHttpError(err)
      res.writeHead(e.status, { 'content-type': 'application/json', ...e.headers })
      res.end(JSON.stringify(e.body))
    },
  )
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const port = (server.address() as AddressInfo).port
after(() => server.close())

interface Sent {
  /** Resolves with the status and body text. */
  readonly answer: Promise<{ status: number; body: string; retryAfter?: string }>
  /** Sends the rest of the body and ends the request. */
  finish(): void
  /** Destroys the connection mid-body. */
  abort(): void
}

/** Starts a POST declaring `length` bytes and sends `first` of them; resolves once the handler has it. */
async function start(
  length: number,
  first: number,
  headers: Record<string, string> = {},
  body?: Buffer,
): Promise<Sent> {
  const payload = body ?? Buffer.alloc(length, 0x61)
  const reached = new Promise<IncomingMessage>((resolve) => {
    arrived = resolve
  })
  const req = request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    headers: { 'content-length': String(payload.length), ...headers },
  })
  const answer = new Promise<{ status: number; body: string; retryAfter?: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = ''
      res.on('data', (d: Buffer) => {
        text += d.toString()
      })
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          body: text,
          retryAfter: res.headers['retry-after'] as string | undefined,
        }),
      )
    })
    req.on('error', reject)
  })
  req.write(payload.subarray(0, first))
  await reached
  return {
    answer,
    finish: () => req.end(payload.subarray(first)),
    abort: () => req.destroy(),
  }
}

test('a body that does not fit beside those being read is refused with 503 before it is read', async () => {
  const first = await start(1_500, 10)
  assert.equal(budget.used, 1_500)
  const second = await start(1_000, 0)
  const refused = await second.answer
  assert.equal(refused.status, 503)
  assert.equal(JSON.parse(refused.body).code, 'overloaded')
  assert.equal(refused.retryAfter, '1')
  assert.equal(budget.used, 1_500, 'the refused body reserved nothing')

  first.finish()
  assert.deepEqual(await first.answer, { status: 200, body: '1500', retryAfter: undefined })
  assert.equal(budget.used, 0)
  const third = await start(1_000, 0)
  third.finish()
  assert.equal((await third.answer).status, 200)
})

test('a client that hangs up mid-body gives its reservation back', async () => {
  const hung = await start(1_800, 100)
  assert.equal(budget.used, 1_800)
  hung.abort()
  await hung.answer.catch(() => undefined)
  // The server learns of the hang-up on its own time; a leaked reservation never goes.
  // (Read through a function: the assertion above narrowed `budget.used` to its literal for tsc.)
  const used = (): number => budget.used
  for (let i = 0; i < 500 && used() !== 0; i++) await new Promise((r) => setTimeout(r, 10))
  assert.equal(budget.used, 0, 'the abandoned body gave its reservation back')
  const next = await start(1_800, 0)
  next.finish()
  assert.equal((await next.answer).status, 200, 'the abandoned body no longer counts')
  assert.equal(budget.used, 0)
})

test('a gzip body reserves the limit while it is read and arrives whole', async () => {
  const raw = Buffer.alloc(1_500, 0x62)
  const gz = gzipSync(raw)
  // The inflated size is unknown up front: the route's whole limit (10,000) does not fit in 2,000.
  const tooBig = await start(gz.length, 0, { 'content-encoding': 'gzip' }, gz)
  assert.equal((await tooBig.answer).status, 503)
  const roomy = new BodyBudget(20_000)
  const s = createServer((req, res) => {
    readBody(req, 10_000, roomy).then((b) => res.end(String(b.length)))
  })
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  try {
    const res = await fetch(`http://127.0.0.1:${(s.address() as AddressInfo).port}/`, {
      method: 'POST',
      headers: { 'content-encoding': 'gzip' },
      body: gz,
    })
    assert.equal(await res.text(), '1500')
    assert.equal(roomy.used, 0)
  } finally {
    s.close()
  }
})
