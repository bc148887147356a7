// The mincode decoder against every vector of Divolte's published samples, and malformed inputs.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { decodeMincode, MAX_MINCODE_DEPTH, MincodeError } from './mincode.ts'

// ../shared/data/ beside the repository (CI clones it there too); JSON with `//` comment lines on top.
const SAMPLES = new URL('../../../../../../shared/data/divolte-mincode-samples.json', import.meta.url)

interface Sample {
  title: string
  json: unknown
  code: string
}

function samples(): Sample[] {
  const text = readFileSync(SAMPLES, 'utf8')
  return JSON.parse(
    text
      .split('\n')
      .filter((line) => !line.trimStart().startsWith('//'))
      .join('\n'),
  ) as Sample[]
}

test('every sample decodes to its JSON', () => {
  const all = samples()
  assert.ok(all.length >= 15, `expected the full sample set, found ${all.length}`)
  for (const s of all) assert.deepStrictEqual(decodeMincode(s.code), s.json, s.title)
})

test('the examples in protocols.md, and `o` as an empty object', () => {
  assert.deepStrictEqual(decodeMincode('(da!1!)'), { a: 1 })
  assert.equal(decodeMincode('sHello~~World~!!'), 'Hello~World!')
  assert.deepStrictEqual(decodeMincode('o'), {})
  assert.deepStrictEqual(decodeMincode('(ox!)'), { x: {} })
  assert.deepStrictEqual(decodeMincode('a.'), [])
  assert.deepStrictEqual(decodeMincode('(sa~!b~~!c!)'), { 'a!b~': 'c' }, 'escapes in field names')
})

test('a field named __proto__ is data, not a prototype', () => {
  const v = decodeMincode('(s__proto__!x!)') as Record<string, unknown>
  assert.equal(Object.getPrototypeOf(v), Object.prototype)
  assert.deepStrictEqual(Object.keys(v), ['__proto__'])
  assert.equal(JSON.stringify(v), '{"__proto__":"x"}')
})

test('malformed inputs throw MincodeError naming the problem and where', () => {
  const cases: [string, RegExp][] = [
    ['', /expected a value at offset 0, reached the end/],
    ['sabc', /string starting at offset 1 has no closing "!"/],
    ['sab~', /"~" at offset 3 escapes nothing/],
    ['dz!x', /unexpected "x" at offset 3 after the value/],
    ['d1.5!', /"1.5" at offset 1 is not a base-36 integer/],
    ['d!', /"" at offset 1 is not a base-36 integer/],
    ['dzzzzzzzzzzzz!', /not a base-36 integer/],
    ['j1e999!', /not a finite JSON number/],
    ['j0x10!', /not a finite JSON number/],
    ['j01!', /not a finite JSON number/],
    ['q', /unknown record type "q" at offset 0/],
    ['(sa!b!', /object opened at offset 0 is not closed by "\)"/],
    ['(sa', /field name starting at offset 2 has no closing "!"/],
    ['(qa!1!)', /unknown record type "q" at offset 1/],
    ['as1!', /array opened at offset 0 is not closed by "\."/],
    ['tt', /unexpected "t" at offset 1/],
    ['(sa!b!))', /unexpected "\)" at offset 7/],
  ]
  for (const [code, message] of cases) {
    assert.throws(
      () => decodeMincode(code),
      (err: unknown) => err instanceof MincodeError && message.test(err.message),
      JSON.stringify(code),
    )
  }
})

test('nesting is bounded: a depth bomb fails fast, the limit itself decodes', () => {
  const nested = (levels: number) => 'a'.repeat(levels) + '.'.repeat(levels)
  assert.equal(JSON.stringify(decodeMincode(nested(MAX_MINCODE_DEPTH))).length, 2 * MAX_MINCODE_DEPTH)
  assert.throws(() => decodeMincode(nested(MAX_MINCODE_DEPTH + 1)), /nesting deeper than 32 levels/)
  const bomb = '(oa!'.repeat(100_000)
  assert.throws(() => decodeMincode(bomb), MincodeError)
  assert.throws(() => decodeMincode('a'.repeat(1_000_000)), /nesting deeper than 32 levels at offset 32/)
})
