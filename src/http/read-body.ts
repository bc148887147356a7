// Reads a request body with a size limit, refusing early (Content-Length) or as soon as the limit is
// passed, and inflating gzip/deflate bodies with the limit applied to the inflated size.
import type { IncomingMessage } from 'node:http'
import { createGunzip, createInflate } from 'node:zlib'
import { RequestError } from '../core/errors.ts'

/** The whole body as bytes; throws RequestError 413 past `limit` bytes, 415 on an unknown encoding. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
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
  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > limit) {
        req.resume()
        throw tooLarge(limit)
      }
      chunks.push(chunk)
    }
  } catch (err) {
    if (err instanceof RequestError) throw err
    throw new RequestError(
      400,
      'invalid_body',
      `the request body could not be read: ${(err as Error).message}`,
    )
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)
}

function tooLarge(limit: number): RequestError {
  return new RequestError(413, 'body_too_large', `the request body is larger than ${limit} bytes`)
}

/** Parses a JSON body; 400 `invalid_json` with the parser's reason when it is not JSON. */
export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'))
  } catch (err) {
    throw new RequestError(400, 'invalid_json', `the body is not valid JSON: ${(err as Error).message}`)
  }
}

/** The media type of a request without parameters (`application/json`), lowercased. */
export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
}
