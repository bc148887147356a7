// End to end: `clickflow validate -c FILE` exits 0 on a valid config, and on a broken one exits 2
// listing every problem with its path, all at once.
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { stringify } from 'yaml'
import { killAll, runCli, tempDir } from '../helpers/clickflow-process.ts'

type Config = Record<string, Record<string, Record<string, unknown>> | string>

/** A valid topology; each case breaks a copy of it. */
function baseConfig(): Config {
  return {
    sources: { collector: { type: 'http_collector', port: 0 } },
    transforms: { valid: { type: 'validate', inputs: ['collector'] } },
    sinks: { store: { type: 'duckdb', inputs: ['valid'] } },
  }
}
const section = (c: Config, name: string) => c[name] as Record<string, Record<string, unknown>>

interface Case {
  readonly name: string
  readonly breakIt: (c: Config) => void
  /** The problem line expected on stderr: `  - <path>: <message>`. */
  readonly line: RegExp
}

const CASES: readonly Case[] = [
  {
    name: 'unknown key in a component',
    breakIt: (c) => {
      section(c, 'sources').collector!.colour = 'blue'
    },
    line: /^ {2}- sources\.collector\.colour: unknown key "colour"$/m,
  },
  {
    name: 'input that does not exist',
    breakIt: (c) => {
      ;(section(c, 'sinks').store!.inputs as string[]).push('nowhere')
    },
    line: /^ {2}- sinks\.store\.inputs\[1\]: input "nowhere" is not a source or transform id$/m,
  },
  {
    name: 'transform without inputs',
    breakIt: (c) => {
      section(c, 'transforms').orphan = { type: 'validate' }
    },
    line: /^ {2}- transforms\.orphan\.inputs: .*non-empty list/m,
  },
  {
    name: 'cycle between two transforms',
    breakIt: (c) => {
      section(c, 'transforms').ping = { type: 'validate', inputs: ['collector', 'pong'] }
      section(c, 'transforms').pong = { type: 'validate', inputs: ['ping'] }
      ;(section(c, 'sinks').store!.inputs as string[]).push('pong')
    },
    line: /^ {2}- transforms\.p[io]ng\.inputs: cycle: (ping -> pong -> ping|pong -> ping -> pong)$/m,
  },
  {
    name: 'bad type',
    breakIt: (c) => {
      section(c, 'sources').collector!.port = 'abc'
    },
    line: /^ {2}- sources\.collector\.port: .*expected number/m,
  },
  {
    name: 'unknown component type',
    breakIt: (c) => {
      section(c, 'sinks').lake = { type: 'no_such_sink', inputs: ['valid'] }
    },
    line: /^ {2}- sinks\.lake\.type: unknown sink type "no_such_sink"/m,
  },
]

describe('clickflow validate', { concurrency: true }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>

  before(async () => {
    dir = await tempDir()
  })
  after(async () => {
    await killAll()
    await dir?.remove()
  })

  async function validate(name: string, config: Config) {
    const file = join(dir.path, `${name.replaceAll(' ', '-')}.yaml`)
    await writeFile(file, stringify({ data_dir: join(dir.path, 'data'), ...config }))
    return { file, ...(await runCli(['validate', '-c', file])) }
  }

  test('a valid config exits 0', async () => {
    const res = await validate('valid', baseConfig())
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stdout, /is valid: 1 source\(s\), 1 transform\(s\), 1 sink\(s\)/)
  })

  test('the built-in default config, as printed, is valid', async () => {
    const printed = await runCli(['config', 'default'])
    assert.equal(printed.code, 0, printed.stderr)
    const file = join(dir.path, 'default.yaml')
    await writeFile(file, printed.stdout)
    const res = await runCli(['validate', '-c', file])
    assert.equal(res.code, 0, res.stderr)
  })

  for (const c of CASES) {
    test(`${c.name}: exit 2 with its path`, async () => {
      const config = baseConfig()
      c.breakIt(config)
      const res = await validate(c.name, config)
      assert.equal(res.code, 2, res.stdout)
      assert.match(res.stderr, c.line)
      assert.match(res.stderr, /has 1 problem:/)
    })
  }

  test('every problem of one file is listed at once', async () => {
    const config = baseConfig()
    for (const c of CASES) c.breakIt(config)
    const res = await validate('all-at-once', config)
    assert.equal(res.code, 2, res.stdout)
    for (const c of CASES) assert.match(res.stderr, c.line, `missing: ${c.name}`)
    assert.match(res.stderr, new RegExp(`has ${CASES.length} problems:`), res.stderr)
  })

  // A problem in the global settings (an unknown top-level key) must not hide component problems.
  test('a top-level unknown key is listed together with component problems', async () => {
    const config = baseConfig()
    config.colour = 'blue'
    for (const c of CASES) c.breakIt(config)
    const res = await validate('top-level', config)
    assert.equal(res.code, 2, res.stdout)
    assert.match(res.stderr, /^ {2}- colour: unknown key "colour"$/m)
    for (const c of CASES) assert.match(res.stderr, c.line, `missing: ${c.name}`)
  })
})
