// The built tag: within its size budget, a self-contained script with the collect path baked in.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildTag, TAG_GZIP_BUDGET } from './build.ts'

test(`the minified tag is at most ${TAG_GZIP_BUDGET} bytes gzipped`, async () => {
  const tag = await buildTag()
  process.stdout.write(
    `# tag: ${tag.code.length} bytes minified, ${tag.gzip.length} gzipped, ${tag.brotli.length} brotli\n`,
  )
  assert.ok(
    tag.gzip.length <= TAG_GZIP_BUDGET,
    `the tag is ${tag.gzip.length} bytes gzipped; the budget is ${TAG_GZIP_BUDGET}`,
  )
})

test('the build is one IIFE that exports nothing and imports nothing', async () => {
  const code = (await buildTag()).code.toString()
  assert.match(code, /^\(\(\)=>\{/)
  assert.doesNotMatch(code, /\bimport\b|\brequire\(|__COLLECT_PATH__/)
  assert.match(code, /"\/collect"/)
  // Parses as a classic script.
  assert.doesNotThrow(() => new Function(code))
})

test('the collect path is baked in per build, and builds are cached', async () => {
  const custom = await buildTag('/e/in')
  assert.match(custom.code.toString(), /"\/e\/in"/)
  assert.notEqual(custom.etag, (await buildTag()).etag)
  assert.equal(await buildTag('/e/in'), custom)
})
