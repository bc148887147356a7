// Builds the browser tag in memory: esbuild bundles and minifies tag/src/tag.ts into one IIFE, with
// the collector's batch path baked in. The collector builds it at start (cached per path), so no
// built file is committed and what is served always matches the source.
import { createHash } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import { build } from 'esbuild'

/** The tag's source entry point. */
export const TAG_ENTRY = fileURLToPath(new URL('./src/tag.ts', import.meta.url))
/** The size budget of the gzipped tag, in bytes (BRIEF.md: at most 1.5 KB). */
export const TAG_GZIP_BUDGET = 1536

/** A built tag with its precompressed forms and a validator for HTTP caching. */
export interface BuiltTag {
  readonly code: Buffer
  readonly gzip: Buffer
  readonly brotli: Buffer
  /** Strong hash of the code, as an ETag value (quoted). */
  readonly etag: string
}

const cache = new Map<string, Promise<BuiltTag>>()

/** Builds the tag that posts to `collectPath` (resolved against the tag's own origin); cached. */
export function buildTag(collectPath = '/collect'): Promise<BuiltTag> {
  let built = cache.get(collectPath)
  if (!built) {
    built = compile(collectPath)
    // A failed build is not cached: the next request tries again.
    built.catch(() => cache.delete(collectPath))
    cache.set(collectPath, built)
  }
  return built
}

async function compile(collectPath: string): Promise<BuiltTag> {
  const result = await build({
    entryPoints: [TAG_ENTRY],
    bundle: true,
    write: false,
    minify: true,
    format: 'iife',
    // Browsers of the last few years: optional chaining and ?? stay as they are (smaller).
    target: ['chrome91', 'firefox90', 'safari15', 'edge91'],
    legalComments: 'none',
    define: { __COLLECT_PATH__: JSON.stringify(collectPath) },
    logLevel: 'silent',
    // The IIFE needs no "use strict" prologue; every byte counts against the budget.
    tsconfigRaw: { compilerOptions: { alwaysStrict: false } },
  })
  const code = Buffer.from(result.outputFiles[0]!.contents)
  return {
    code,
    gzip: gzipSync(code, { level: 9 }),
    brotli: brotliCompressSync(code, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: code.length },
    }),
    etag: `"${createHash('sha256').update(code).digest('base64url').slice(0, 27)}"`,
  }
}
