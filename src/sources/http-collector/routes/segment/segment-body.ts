// Reading a Segment request body: inflated by Content-Encoding, or by sniffing the gzip magic bytes
// when an SDK gzips without saying so; parsed as JSON whatever the Content-Type label says.
import type { IncomingMessage } from 'node:http'
import { promisify } from 'node:util'
import { gunzip } from 'node:zlib'
import { RequestError } from '../../../../core/errors.ts'
import { type BodyBudget, parseJson, readBody } from '../../../../http/read-body.ts'

const gunzipAsync = promisify(gunzip)

function tooLarge(limit: number): RequestError {
  // Segment answers 400 (not 413) past its size limits, and its SDKs do not retry a 400.
  return new RequestError(400, 'body_too_large', `the request body is larger than ${limit} bytes`)
}

/** The parsed JSON body, at most `limit` bytes after inflation; RequestError 400 otherwise. */
export async function readSegmentJson(
  req: IncomingMessage,
  limit: number,
  budget?: BodyBudget,
): Promise<unknown> {
  let body: Buffer
  try {
    body = await readBody(req, limit, budget)
  } catch (err) {
    if (err instanceof RequestError && err.code === 'body_too_large') throw tooLarge(limit)
    throw err
  }
  // 1f 8b opens every gzip stream and no JSON text: a gzipped body sent without Content-Encoding.
  if (body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b) {
    try {
      body = await gunzipAsync(body, { maxOutputLength: limit })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(limit)
      throw new RequestError(
        400,
        'invalid_body',
        `the gzip body could not be inflated: ${(err as Error).message}`,
      )
    }
  }
  return parseJson(body)
}
