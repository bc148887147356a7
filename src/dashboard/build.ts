// Builds the dashboard in memory: esbuild bundles dashboard/src/main.tsx (Preact, uPlot, our code)
// into one minified ES module and one stylesheet, named by content hash so they can be cached for
// good. Built once per process at start, like the tag; no built file is committed.
import { createHash } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import { build } from 'esbuild'
import { dashboardHtml } from './html.ts'

/** The dashboard's entry point. */
export const DASHBOARD_ENTRY = fileURLToPath(new URL('../../dashboard/src/main.tsx', import.meta.url))
/** The budget for all JavaScript the dashboard loads, gzipped (issue 7: at most 150 KB). */
export const DASHBOARD_JS_GZIP_BUDGET = 150 * 1024

/** One built file with its precompressed forms. */
export interface Asset {
  /** The URL path, `/assets/<name>-<hash>.<ext>`. */
  readonly path: string
  readonly contentType: string
  readonly body: Buffer
  readonly gzip: Buffer
  readonly brotli: Buffer
  /** Quoted strong validator. */
  readonly etag: string
}

/** The built dashboard: its page, script and stylesheet. */
export interface BuiltDashboard {
  /** The HTML page served at `/`. */
  readonly page: Asset
  readonly script: Asset
  readonly style: Asset
  /** Every asset by URL path. */
  readonly assets: ReadonlyMap<string, Asset>
}

let cached: Promise<BuiltDashboard> | null = null

/** Builds the dashboard once per process; a failed build is retried by the next call. */
export function buildDashboard(): Promise<BuiltDashboard> {
  if (!cached) {
    cached = compile()
    cached.catch(() => {
      cached = null
    })
  }
  return cached
}

const CONTENT_TYPES = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  html: 'text/html; charset=utf-8',
}

function asset(name: string, ext: 'js' | 'css' | 'html', body: Buffer): Asset {
  const hash = createHash('sha256').update(body).digest('base64url')
  return {
    path: ext === 'html' ? '/' : `/assets/${name}-${hash.slice(0, 12)}.${ext}`,
    contentType: CONTENT_TYPES[ext],
    body,
    gzip: gzipSync(body, { level: 9 }),
    brotli: brotliCompressSync(body, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
    }),
    etag: `"${hash.slice(0, 27)}"`,
  }
}

async function compile(): Promise<BuiltDashboard> {
  const result = await build({
    entryPoints: [DASHBOARD_ENTRY],
    bundle: true,
    write: false,
    // An outdir names the two outputs (main.js, main.css); nothing is written.
    outdir: '/dashboard',
    minify: true,
    format: 'esm',
    // Current Chromium and Firefox (issue 7), with a margin of a few years.
    target: ['chrome100', 'firefox100', 'safari15'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  })
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'))
  const css = result.outputFiles.find((f) => f.path.endsWith('.css'))
  if (!js || !css) throw new Error('the dashboard build produced no script or no stylesheet')
  const script = asset('app', 'js', Buffer.from(js.contents))
  const style = asset('app', 'css', Buffer.from(css.contents))
  const page = asset('index', 'html', Buffer.from(dashboardHtml(script.path, style.path)))
  return { page, script, style, assets: new Map([script, style].map((a) => [a.path, a])) }
}
