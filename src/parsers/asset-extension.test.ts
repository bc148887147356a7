// The static-asset rule decided in place against the rule written on strings (cut the last segment's
// extension out, lower-case it, look it up): every request target of the real Apache sample and
// crafted ones (case, queries and fragments, dots in odd places, non-ASCII that lower-cases to ASCII),
// each inside a longer line as the parser sees it, under several extension lists.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { assetRule } from './asset-extension.ts'
import { formatConfig } from './format-config.ts'

/** The rule as it was written on strings. */
function reference(extensions: readonly string[], target: string): boolean {
  const q = target.search(/[?#]/)
  const path = q < 0 ? target : target.slice(0, q)
  const last = path.slice(path.lastIndexOf('/') + 1)
  // A dot that starts the segment (`/.well-known`) or a target without a slash before it at index 0.
  const dot = last.lastIndexOf('.')
  const segmentStart = path.length - last.length
  if (dot < 0 || dot === 0 || segmentStart + dot === 0) return extensions.includes('')
  return extensions.includes(last.slice(dot + 1).toLowerCase())
}

const realTargets = readFileSync(
  new URL('../../../shared/data/elastic_apache_logs_combined.log', import.meta.url),
  'utf8',
)
  .split('\n')
  .map((l) => /"[A-Za-z]+ (\S+)/.exec(l)?.[1])
  .filter((t): t is string => t !== undefined)

const crafted = [
  '/a.css',
  '/a.CSS',
  '/a.Css?v=1',
  '/a.css?x=1.png',
  '/a.html?x=/b.css',
  '/a.css#frag',
  '/a#frag.css',
  '/dir.css/',
  '/dir.css/page',
  '/.css',
  '/.well-known/x',
  '.css',
  'a.css',
  '/a.',
  '/a..css',
  '/a.tar.gz',
  '/a.woff2',
  '/a.WOFF2',
  '/a.j s',
  '/a.js%20',
  '/a.\u212Ass', // the Kelvin sign lower-cases to an ASCII k
  '/a.\u0130co',
  '/a.pnG?',
  '/a.abcdefghij',
  '/a.abcdefgh',
  '/',
  '',
  '?a.css',
  '/x/y/z.MP4?download=1#t=3',
  '/a.c-ss',
  '/a.c_ss',
]

const lists: string[][] = [
  (formatConfig.parse({ format: 'combined' }) as { exclude_extensions: string[] }).exclude_extensions,
  ['css', 'js', 'png', 'jpg', 'gif', 'ico', 'woff'],
  // The Kelvin sign and the dotted capital I lower-case to these; the longest extension held as a number.
  ['kss', 'ico', 'abcdefgh'],
  ['abcdefghij', 'i\u0307co'],
  // Not valid config (upper case, empty, punctuation): looked up by name, the same answers.
  ['CSS', '', 'c-ss', 'js'],
  [],
]

test('the static-asset rule in place equals the rule on the cut-out, lower-cased extension', () => {
  let assets = 0
  let checked = 0
  for (const exts of lists) {
    const isAsset = assetRule(exts)
    for (const target of [...crafted, ...realTargets]) {
      // Inside a line, as the parser calls it: text before and after the target must not matter.
      const line = `GET ${target} HTTP/1.1" 200 5 ".css"`
      const got = isAsset(line, 4, 4 + target.length)
      const expected = reference(exts, target)
      assert.equal(got, expected, `${JSON.stringify(exts)} ${JSON.stringify(target)}`)
      checked++
      if (expected) assets++
    }
  }
  // Both answers in quantity, or the comparison proves little.
  assert.ok(assets > 10_000 && checked - assets > 10_000, `${assets} assets of ${checked}`)
})
