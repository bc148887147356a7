// The browser tag route: serves the minified tag (tag/) at `/tag.js` and the other `tag_paths`,
// brotli or gzip when the browser takes it, with an ETag (304 on a match) and a short cache life so
// that a new version reaches every site within the hour.
import type { IncomingHttpHeaders, ServerResponse } from 'node:http'
import { type BuiltTag, buildTag } from '../../../../tag/build.ts'
import type { HttpCollectorConfig } from '../config.ts'
import type { CollectorRoute } from '../route.ts'

/** Browsers revalidate after an hour; the ETag makes that a 304 when nothing changed. */
const CACHE_CONTROL = 'public, max-age=3600'

type Encoding = 'br' | 'gzip' | 'identity'

/** The best encoding an Accept-Encoding header allows: br, then gzip, else none. */
export function pickEncoding(header: string | undefined): Encoding {
  const q = new Map<string, number>()
  for (const part of (header ?? '').toLowerCase().split(',')) {
    const [name, ...params] = part.split(';').map((s) => s.trim())
    if (!name) continue
    const qParam = params.find((p) => p.startsWith('q='))
    q.set(name, qParam ? Number(qParam.slice(2)) || 0 : 1)
  }
  const allowed = (enc: string) => (q.get(enc) ?? q.get('*') ?? 0) > 0
  if (allowed('br')) return 'br'
  if (allowed('gzip')) return 'gzip'
  return 'identity'
}

/** True when If-None-Match names `etag` (weak comparison, RFC 9110 13.1.2) or is `*`. */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false
  const bare = etag.replace(/^W\//, '')
  return ifNoneMatch.split(',').some((t) => {
    const tag = t.trim()
    return tag === '*' || tag.replace(/^W\//, '') === bare
  })
}

/** Writes the tag (or 304) for a request with these headers. */
export function sendTag(
  res: ServerResponse,
  tag: BuiltTag,
  headers: IncomingHttpHeaders,
  head: boolean,
  cors: Readonly<Record<string, string>>,
): void {
  // One weak validator for every content-coding of the same code: they are equivalent.
  const etag = `W/${tag.etag}`
  const common = {
    etag,
    'cache-control': CACHE_CONTROL,
    vary: cors.vary ? 'Origin, Accept-Encoding' : 'Accept-Encoding',
    ...Object.fromEntries(Object.entries(cors).filter(([k]) => k !== 'vary')),
  }
  if (etagMatches(headers['if-none-match'], etag)) {
    res.writeHead(304, common)
    res.end()
    return
  }
  const encoding = pickEncoding(headers['accept-encoding'])
  const body = encoding === 'br' ? tag.brotli : encoding === 'gzip' ? tag.gzip : tag.code
  res.writeHead(200, {
    ...common,
    'content-type': 'application/javascript; charset=utf-8',
    'content-length': body.length,
    ...(encoding === 'identity' ? {} : { 'content-encoding': encoding }),
    'x-content-type-options': 'nosniff',
    // Sites that isolate themselves (COEP require-corp) may still load the tag from the collector.
    'cross-origin-resource-policy': 'cross-origin',
  })
  res.end(head ? undefined : body)
}

/** The tag route for a collector config; the tag is built now, so the first request does not wait. */
export function tagRoute(cfg: HttpCollectorConfig): CollectorRoute {
  // Cached by buildTag; a failed build is not, so a later request tries again.
  void buildTag(cfg.collect_path)
  return {
    name: 'tag',
    paths: cfg.tag_paths,
    methods: ['GET', 'HEAD'],
    async accept(req) {
      req.resume()
      // A build failure is a broken installation: it surfaces as a 500, logged by the source.
      const tag = await buildTag(cfg.collect_path)
      return {
        events: [],
        rejected: [],
        reply: (res, cors) => sendTag(res, tag, req.headers, req.method === 'HEAD', cors),
      }
    },
  }
}
