// `clickflow generate`: realistic traffic (visitors, sessions, funnels, referrers, countries,
// devices, bots), the same for the same seed and end time, written as JSON lines for
// `clickflow import` (--out) or loaded into a data directory through the import path (--into).
import { join } from 'node:path'
import { loadConfig } from '../config/load.ts'
import { ClickflowError } from '../core/errors.ts'
import { checkOptions, type GeneratorOptions, generateTraffic } from '../generator/generator.ts'
import { loadInto, writeJsonl } from '../generator/load.ts'
import { visitorHasher } from '../parsers/build-format.ts'
import { builtinRegistry } from '../topology/builtin-registry.ts'
import { EXIT } from './exit.ts'
import { openImportWriter } from './import.ts'
import { handoffWriter } from './import-handoff.ts'
import { ProgressLine } from './import-progress.ts'

/** Options of `clickflow generate`, as the command line gives them. */
export interface GenerateCliOptions {
  readonly events: string
  readonly days?: string
  readonly seed?: string
  readonly sites?: string
  readonly end?: string
  readonly out?: string
  readonly into?: string
  readonly config?: string
  readonly adminToken?: string
  readonly sourceId?: string
}

/** Parses and checks the options; throws a usage error that says what to fix. */
export function generatorOptions(o: GenerateCliOptions, now: number): GeneratorOptions {
  const num = (v: string | undefined, fallback: number, name: string) => {
    if (v === undefined) return fallback
    const n = Number(v.replaceAll('_', ''))
    if (v.trim() === '' || !Number.isFinite(n))
      throw new ClickflowError('invalid_option', `${name} must be a number, not "${v}"`)
    return n
  }
  const end = o.end === undefined ? now : Date.parse(o.end)
  if (Number.isNaN(end))
    throw new ClickflowError('invalid_option', `--end must be an ISO 8601 time, not "${o.end}"`)
  const opts: GeneratorOptions = {
    events: num(o.events, Number.NaN, '--events'),
    days: num(o.days, 30, '--days'),
    seed: num(o.seed, 1, '--seed'),
    sites: (o.sites ?? 'shop.example.com')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    end,
  }
  try {
    checkOptions(opts)
  } catch (err) {
    throw new ClickflowError('invalid_option', (err as Error).message)
  }
  if ((o.out === undefined) === (o.into === undefined))
    throw new ClickflowError('invalid_option', 'give exactly one of --out FILE or --into DIR')
  return opts
}

/** Runs `clickflow generate`; resolves with the exit code. */
export async function runGenerate(o: GenerateCliOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const opts = generatorOptions(o, Date.now())
  const bar = new ProgressLine()
  const label = o.out ?? `into ${o.into}`
  const progress = (n: number) => bar.update(label, n, n, opts.events, n === opts.events)
  const started = Date.now()
  let count: number
  if (o.out !== undefined) {
    count = await writeJsonl(generateTraffic(opts), o.out, progress)
  } else {
    const config = loadConfig({
      path: o.config,
      env,
      registry: builtinRegistry(),
      overrides: { dataDir: o.into },
    })
    const dataDir = config.global.data_dir
    const token = o.adminToken ?? (env.CLICKFLOW_ADMIN_TOKEN || undefined)
    const { writer, close } = await openImportWriter(config, (dir) => handoffWriter(dir, token))
    try {
      const sourceId = o.sourceId ?? config.sources[0]?.id ?? 'import'
      const visitorOf = await visitorHasher(join(dataDir, 'parsers', 'visitor-key'))
      const identity = `generate:seed=${opts.seed}:end=${opts.end}:days=${opts.days}:events=${opts.events}:sites=${opts.sites.join(',')}`
      count = await loadInto(
        generateTraffic(opts),
        writer,
        { sourceId, visitorOf, now: Date.now },
        identity,
        progress,
      )
    } finally {
      await close()
    }
  }
  const seconds = (Date.now() - started) / 1000
  process.stdout.write(
    `${JSON.stringify({ events: count, days: opts.days, seed: opts.seed, end: new Date(opts.end).toISOString(), sites: opts.sites, ...(o.out ? { out: o.out } : { into: o.into }), seconds })}\n`,
  )
  return EXIT.ok
}
