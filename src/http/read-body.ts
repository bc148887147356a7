// Reads a request body with a size limit, refusing early (Content-Length) or as soon as the limit is
// passed, and inflating gzip/deflate bodies with the limit applied to the inflated size.
import type { IncomingMessage } from 'node:http'
import { createGunzip, createInflate } from 'node:zlib'
import { RequestError } from '../core/errors.ts'

/**
 * Bytes of request bodies a server reads at once, shared by its routes: each body reserves its
 * size (its Content-Length, or the route's limit when the size is not known up front) while it is
 * read, and a request that does not fit is refused with 503 before its body is read. Without it,
 * memory grew with the number of clients sending large bodies at once.
 */
export class BodyBudget {
  #used = 0
  constructor(readonly limit: number) {}

  /** Bytes reserved by bodies being read. */
  get used(): number {
    return this.#used
  }

  /** Reserves `bytes`; false (nothing reserved) when they do not fit. */
  take(bytes: number): boolean {
    if (this.#used + bytes > this.limit) return false
    this.#used += bytes
    return true
  }

  give(bytes: number): void {
    this.#used -= bytes
  }
}

/**
 * The whole body as bytes; throws RequestError 413 past `limit` bytes, 415 on an unknown encoding,
 * and 503 `overloaded` (Retry-After) when it does not fit in `budget`.
 */
export async function readBody(req: IncomingMessage, limit: number, budget?: BodyBudget): Promise<Buffer> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit)
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase()
  let stream: NodeJS.ReadableStream = req
  if (encoding === 'gzip' || encoding === 'x-gzip') stream = req.pipe(createGunzip())
  else if (encoding === 'deflate') stream = req.pipe(createInflate())
  else if (encoding !== 'identity') {
    req.resume()
    throw new RequestError(
      415,
      'unsupported_encoding',
      `content-encoding "${encoding}" is not supported; use gzip, deflate or none`,
    )
  }
  // An inflated or chunked body may grow up to the limit.
  const reserved = budget ? (Number.isFinite(declared) && stream === req ? declared : limit) : 0
  if (budget && !budget.take(reserved)) {
    if (stream !== req) req.unpipe(stream as unknown as NodeJS.WritableStream)
    req.resume()
    throw new RequestError(
      503,
      'overloaded',
      'the collector is reading too many request bodies at once; retry later',
      { 'retry-after': '1' },
    )
  }
  // Plain listeners rather than `for await`: this runs for every collector request.
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let settled = false
    const settle = () => {
      settled = true
      budget?.give(reserved)
    }
    const fail = (err: RequestError) => {
      if (settled) return
      settle()
      stream.removeAllListeners('data')
      // Drain and discard the rest so the connection stays usable for the error answer.
      if (stream !== req) req.unpipe(stream as unknown as NodeJS.WritableStream)
      req.resume()
      reject(err)
    }
    stream.on('data', (chunk: Buffer) => {
      if (settled) return
      size += chunk.length
      if (size > limit) fail(tooLarge(limit))
      else chunks.push(chunk)
    })
    stream.on('end', () => {
      if (settled) return
      settle()
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size))
    })
    stream.on('error', (err: Error) =>
      fail(new RequestError(400, 'invalid_body', `the request body could not be read: ${err.message}`)),
    )
    req.on('aborted', () => fail(new RequestError(400, 'client_aborted', 'the client hung up mid-body')))
    // A connection that closes before the whole body arrived (its reservation must not leak). An
    // inflated body may still be ending after the request itself completed.
    req.on('close', () => {
      if (!req.complete) fail(new RequestError(400, 'client_aborted', 'the client hung up mid-body'))
    })
  })
}

function tooLarge(limit: number): RequestError {
  return new RequestError(413, 'body_too_large', `the request body is larger than ${limit} bytes`)
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Parses a JSON body; 400 `invalid_utf8` when the bytes are not UTF-8 (rather than storing U+FFFD
 * in place of what the client meant), 400 `invalid_json` with the parser's reason when not JSON.
 */
export function parseJson(body: Buffer): unknown {
  let text: string
  try {
    text = utf8.decode(body)
  } catch {
    throw new RequestError(400, 'invalid_utf8', 'the body is not valid UTF-8')
  }
  try {
    return JSON.parse(text)
  } catch (err) {
    // A nesting bomb overflows the parser's stack: still just bad JSON for the client.
    throw new RequestError(400, 'invalid_json', `the body is not valid JSON: ${(err as Error).message}`)
  }
}

/** Nesting depth of a JSON value, counting up to `limit + 1` at most (iterative: bombs cannot overflow it). */
export function jsonDepth(value: unknown, limit: number): number {
  let max = 0
  const stack: [unknown, number][] = [[value, 0]]
  while (stack.length > 0) {
    const [v, d] = stack.pop()!
    if (typeof v !== 'object' || v === null) continue
    if (d + 1 > max) max = d + 1
    if (max > limit) return max
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d + 1])
  }
  return max
}

/** The media type of a request without parameters (`application/json`), lowercased. */
export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
}
