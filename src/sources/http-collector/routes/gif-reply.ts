// The image answer of the pixel protocols (Divolte's /csc-event, clickflow's /p.gif): a 1x1
// transparent GIF that no cache keeps, and the sentinel ETag that lets a browser's re-sent Divolte
// request be recognised (../shared/protocols.md).
import type { ServerResponse } from 'node:http'

/** A 1x1 transparent GIF89a: 43 bytes. */
export const TRANSPARENT_GIF: Buffer = Buffer.from([
  // "GIF89a", logical screen 1x1 with a 2-colour global table (black, white)
  0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff,
  0xff,
  // graphic control extension: colour 0 is transparent
  0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00,
  // image descriptor 1x1 at 0,0, then the LZW data of one pixel of colour 0, then the trailer
  0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
])

/**
 * The fixed ETag of every Divolte pixel answer. A browser that sends it back in If-None-Match is
 * re-sending an event it already sent (a page restored from cache, a reload): it gets 304.
 */
export const SENTINEL_ETAG = '"clickflow-event-received"'

/** Headers that keep browsers and proxies from answering a pixel request from a cache. */
export const NO_CACHE_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'private, no-cache, proxy-revalidate',
  pragma: 'no-cache',
  expires: 'Thu, 01 Jan 1970 00:00:00 GMT',
}

/** True when an If-None-Match header names the sentinel ETag (weak or strong) or is `*`. */
export function matchesSentinel(ifNoneMatch: string | undefined): boolean {
  if (!ifNoneMatch) return false
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim()
    return t === '*' || t === SENTINEL_ETAG || t === `W/${SENTINEL_ETAG}`
  })
}

/** Sends 200 with the GIF. */
export function sendGif(res: ServerResponse, headers: Readonly<Record<string, string>>): void {
  res.writeHead(200, {
    'content-type': 'image/gif',
    'content-length': TRANSPARENT_GIF.length,
    ...headers,
  })
  res.end(TRANSPARENT_GIF)
}

/** Sends 304 with no body (the validators and cache headers are repeated, as RFC 9110 asks). */
export function sendNotModified(res: ServerResponse, headers: Readonly<Record<string, string>>): void {
  res.writeHead(304, headers)
  res.end()
}
