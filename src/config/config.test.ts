// The config loader: broken configs report every problem at once, with paths; overrides and ${ENV}.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ConfigError } from '../core/errors.ts'
import { builtinRegistry } from '../topology/builtin-registry.ts'
import { interpolate } from './interpolate.ts'
import { type LoadOptions, loadConfig } from './load.ts'

const registry = builtinRegistry()

function problems(text: string, extra: Partial<LoadOptions> = {}): string[] {
  try {
    loadConfig({ text, env: {}, registry, ...extra })
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`)
    return err.issues.map((i) => `${i.path}: ${i.message}`)
  }
  return []
}

const base = `
sources:
  web: { type: http_collector }
transforms:
  valid: { type: validate, inputs: [web] }
sinks:
  store: { type: duckdb, inputs: [valid] }
`

describe('config loader', () => {
  test('the built-in default is valid', () => {
    const c = loadConfig({ env: {}, registry })
    assert.deepEqual(
      c.sources.map((s) => s.id),
      ['collector'],
    )
    assert.equal(c.origin, 'built-in default')
    assert.equal(c.global.api.host, '127.0.0.1')
    assert.equal(c.global.api.port, 8291)
  })

  const broken: [string, string, RegExp[]][] = [
    ['unknown top-level key', `${base}\nfoo: 1`, [/^foo: unknown key "foo"/]],
    [
      'unknown component key',
      base.replace('{ type: http_collector }', '{ type: http_collector, prot: 1 }'),
      [/^sources\.web\.prot: unknown key "prot"/],
    ],
    [
      'missing input',
      base.replace('inputs: [web]', 'inputs: [nope]'),
      [/^transforms\.valid\.inputs\[0\]: input "nope" is not/],
    ],
    [
      'cycle',
      `sources:\n  web: { type: http_collector }\ntransforms:\n  a: { type: validate, inputs: [b] }\n  b: { type: validate, inputs: [a] }\nsinks:\n  s: { type: duckdb, inputs: [a] }\n`,
      [/cycle: (a -> b -> a|b -> a -> b)/],
    ],
    [
      'bad type',
      base.replace('{ type: http_collector }', '{ type: http_collector, port: "abc" }'),
      [/^sources\.web\.port: /],
    ],
    [
      'unknown component type',
      base.replace('type: duckdb', 'type: cassandra'),
      [/^sinks\.store\.type: unknown sink type "cassandra"; known: duckdb/],
    ],
    [
      'sink as input',
      `${base}  other: { type: duckdb, inputs: [store] }\n`,
      [/sinks\.other\.inputs\[0\]: input "store" is a sink/],
    ],
    [
      'no inputs',
      base.replace('{ type: duckdb, inputs: [valid] }', '{ type: duckdb }'),
      [/sinks\.store\.inputs: inputs must be/],
    ],
    [
      'duplicate id across kinds',
      `${base}  web: { type: duckdb, inputs: [valid] }\n`,
      [/ids must be unique/],
    ],
    [
      'non-loopback admin without token',
      `${base}api: { host: 0.0.0.0 }\n`,
      [/^api\.host: .*only with a token/],
    ],
    ['yaml syntax', 'sources: [unclosed', [/^line \d+:/]],
    ['missing env var', `${base}data_dir: \${NOPE}\n`, [/^line \d+: environment variable NOPE is not set/]],
  ]
  for (const [name, text, expected] of broken) {
    test(`refuses: ${name}`, () => {
      const got = problems(text)
      for (const re of expected)
        assert.ok(
          got.some((g) => re.test(g)),
          `no problem matching ${re} in:\n${got.join('\n')}`,
        )
    })
  }

  test('reports every problem at once', () => {
    const text = `
foo: 1
api: { port: 99999 }
sources:
  web: { type: http_collector, port: "abc", extra: true }
transforms:
  a: { type: validate, inputs: [b] }
  b: { type: validate, inputs: [a] }
  c: { type: validate, inputs: [ghost] }
sinks:
  store: { type: duckdb, inputs: [a] }
  bad: { type: nosuch, inputs: [a] }
`
    const components = problems(text)
    assert.ok(components.some((g) => g.startsWith('foo:')))
    assert.ok(components.some((g) => g.startsWith('api.port:')))
    const want = [
      /^sources\.web\.port:/,
      /^sources\.web\.extra: unknown key/,
      /cycle:/,
      /transforms\.c\.inputs\[0\]: input "ghost"/,
      /sinks\.bad\.type: unknown sink type/,
    ]
    for (const re of want)
      assert.ok(
        components.some((g) => re.test(g)),
        `missing ${re} in:\n${components.join('\n')}`,
      )
    assert.ok(components.length >= want.length)
  })

  test('overrides: data dir, ports and token', () => {
    const c = loadConfig({
      text: base,
      env: {},
      registry,
      overrides: {
        dataDir: '/tmp/somewhere',
        collectPort: 9999,
        adminPort: 0,
        adminToken: 'a-long-enough-token',
      },
    })
    assert.equal(c.global.data_dir, '/tmp/somewhere')
    assert.equal((c.sources[0]!.config as { port: number }).port, 9999)
    assert.equal(c.global.api.port, 0)
    assert.equal(c.global.api.token, 'a-long-enough-token')
  })

  test('--collect-port needs exactly one http_collector', () => {
    const two = base.replace(
      'web: { type: http_collector }',
      'web: { type: http_collector }\n  web2: { type: http_collector, port: 1 }',
    )
    assert.ok(
      problems(two, { overrides: { collectPort: 1 } }).some((p) => /exactly one http_collector/.test(p)),
    )
  })

  test('a warning for a transform nothing reads', () => {
    assert.equal(loadConfig({ text: base, env: {}, registry }).warnings.length, 0)
    const text = base.replace('transforms:\n', 'transforms:\n  lonely: { type: validate, inputs: [web] }\n')
    assert.ok(loadConfig({ text, env: {}, registry }).warnings.some((w) => w.path === 'transforms.lonely'))
  })
})

describe('interpolate', () => {
  test('substitutes, defaults, escapes and reports missing variables with their line', () => {
    const r = interpolate('a: ${A}\nb: ${B:-7}\nc: $${A}\nd: ${MISSING}', { A: 'x' })
    assert.equal(r.text, 'a: x\nb: 7\nc: ${A}\nd: ')
    assert.deepEqual(
      r.issues.map((i) => i.path),
      ['line 4'],
    )
  })

  test('a substituted number is typed by YAML', () => {
    const c = loadConfig({ text: `${base}api: { port: \${PORT} }\n`, env: { PORT: '1234' }, registry })
    assert.equal(c.global.api.port, 1234)
  })
})
