// Loads a config: read, interpolate ${ENV}, parse YAML, apply CLI overrides, validate globals and
// every component against its own schema, check the graph. Every problem is collected and thrown
// together in one ConfigError.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseDocument } from 'yaml'
import type { z } from 'zod'
import { isLoopback } from '../api/auth.ts'
import type { ComponentKind } from '../core/component.ts'
import { ConfigError, type ConfigIssue } from '../core/errors.ts'
import type { AnySpec, Registry } from '../core/registry.ts'
import { DEFAULT_CONFIG_YAML } from './default-config.ts'
import { checkGraph } from './graph.ts'
import { interpolate } from './interpolate.ts'
import { formatPath } from './paths.ts'
import { type ConfigFile, componentsSchema, configFileSchema } from './schema.ts'

/** Command-line settings that win over the file. */
export interface ConfigOverrides {
  readonly dataDir?: string
  readonly collectPort?: number
  readonly adminPort?: number
  readonly adminToken?: string
}

/** A component with its config parsed by its own schema. */
export interface ResolvedComponent {
  readonly id: string
  readonly kind: ComponentKind
  readonly type: string
  readonly inputs: readonly string[]
  readonly config: unknown
  readonly spec: AnySpec
}

/** A validated configuration, ready to build. */
export interface ClickflowConfig {
  /** Global settings; `data_dir` is absolute. */
  readonly global: Omit<ConfigFile, 'sources' | 'transforms' | 'sinks'>
  readonly sources: readonly ResolvedComponent[]
  readonly transforms: readonly ResolvedComponent[]
  readonly sinks: readonly ResolvedComponent[]
  /** Non-fatal remarks (e.g. an unused transform). */
  readonly warnings: readonly ConfigIssue[]
  /** Where the config came from: a file path or "built-in default". */
  readonly origin: string
  /**
   * What it was loaded from: the config text after ${ENV} interpolation, and the overrides. Another
   * thread rebuilds the same config from it (`interpolated: true`), since specs cannot be sent.
   */
  readonly input: { readonly text: string; readonly overrides: ConfigOverrides }
}

/** Where to load from. */
export interface LoadOptions {
  /** A config file; absent means the built-in default topology. */
  readonly path?: string
  /** Config text given directly (tests); wins over `path`. */
  readonly text?: string
  readonly env: Readonly<Record<string, string | undefined>>
  readonly overrides?: ConfigOverrides
  readonly registry: Registry
  /** The text was already interpolated (a config rebuilt from `ClickflowConfig.input`). */
  readonly interpolated?: boolean
  /** Names the origin when `text` is given (default "config text"). */
  readonly origin?: string
}

const KINDS = [
  ['sources', 'source'],
  ['transforms', 'transform'],
  ['sinks', 'sink'],
] as const

function zodIssues(error: z.ZodError, prefix: readonly PropertyKey[]): ConfigIssue[] {
  return error.issues.map((i) => {
    const keys = (i as { keys?: string[] }).keys
    // Point unknown-key issues at the key itself so the path says exactly what to remove.
    if (i.code === 'unrecognized_keys' && keys && keys.length > 0) {
      return {
        path: formatPath([...prefix, ...i.path, keys[0]!]),
        message: `unknown key${keys.length > 1 ? `s ${keys.map((k) => `"${k}"`).join(', ')}` : ` "${keys[0]}"`}`,
      }
    }
    return { path: formatPath([...prefix, ...i.path]), message: i.message }
  })
}

function applyOverrides(raw: Record<string, unknown>, o: ConfigOverrides, issues: ConfigIssue[]): void {
  const obj = (v: unknown): Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {}
  if (o.dataDir !== undefined) raw.data_dir = o.dataDir
  if (o.adminPort !== undefined || o.adminToken !== undefined) {
    const api = { ...obj(raw.api) }
    if (o.adminPort !== undefined) api.port = o.adminPort
    if (o.adminToken !== undefined) api.token = o.adminToken
    raw.api = api
  }
  if (o.collectPort !== undefined) {
    const sources = obj(raw.sources)
    const collectors = Object.entries(sources).filter(([, s]) => obj(s).type === 'http_collector')
    if (collectors.length !== 1) {
      issues.push({
        path: 'sources',
        message: `--collect-port needs exactly one http_collector source, the config has ${collectors.length}; set each port in the file instead`,
      })
    } else {
      const [id, s] = collectors[0]!
      raw.sources = { ...sources, [id]: { ...obj(s), port: o.collectPort } }
    }
  }
}

/** Loads and validates a config; throws {@link ConfigError} with every problem at once. */
export function loadConfig(options: LoadOptions): ClickflowConfig {
  const origin =
    options.origin ?? (options.text !== undefined ? 'config text' : (options.path ?? 'built-in default'))
  let text: string
  if (options.text !== undefined) text = options.text
  else if (options.path !== undefined) {
    try {
      text = readFileSync(options.path, 'utf8')
    } catch (err) {
      throw new ConfigError(
        [{ path: '', message: `cannot read ${options.path}: ${(err as Error).message}` }],
        origin,
      )
    }
  } else text = DEFAULT_CONFIG_YAML

  const interpolated = options.interpolated ? { text, issues: [] } : interpolate(text, options.env)
  const issues: ConfigIssue[] = [...interpolated.issues]
  const doc = parseDocument(interpolated.text, { prettyErrors: false, uniqueKeys: true })
  for (const e of doc.errors) {
    // linePos is missing for errors at the end of the text; count lines up to the offset then.
    const line = e.linePos?.[0]?.line ?? interpolated.text.slice(0, e.pos[0]).split('\n').length
    issues.push({ path: `line ${line}`, message: e.message.split('\n')[0]! })
  }
  if (doc.errors.length > 0) throw new ConfigError(issues, origin)
  const js: unknown = doc.toJS() ?? {}
  if (typeof js !== 'object' || js === null || Array.isArray(js)) {
    throw new ConfigError(
      [...issues, { path: '', message: 'a config file is a YAML mapping (key: value)' }],
      origin,
    )
  }
  const raw = { ...(js as Record<string, unknown>) }
  applyOverrides(raw, options.overrides ?? {}, issues)

  const parsed = configFileSchema.safeParse(raw)
  if (!parsed.success) issues.push(...zodIssues(parsed.error, []))
  // Bad global settings must not hide component problems: check the sections on their own then.
  const sections = parsed.success
    ? parsed.data
    : Object.fromEntries(
        KINDS.map(([section]) => {
          const r = componentsSchema.safeParse(raw[section] ?? {})
          return [section, r.success ? r.data : {}]
        }),
      )
  const file = parsed.success ? parsed.data : null
  if (file && !isLoopback(file.api.host) && file.api.token === undefined) {
    issues.push({
      path: 'api.host',
      message: `the admin listener may bind to ${file.api.host} only with a token (api.token, --admin-token or CLICKFLOW_ADMIN_TOKEN)`,
    })
  }
  const resolved: Record<ComponentKind, ResolvedComponent[]> = { source: [], transform: [], sink: [] }
  for (const [section, kind] of KINDS) {
    for (const [id, entry] of Object.entries(sections[section] ?? {})) {
      const { type, inputs, ...rest } = entry as { type: string; inputs?: unknown }
      const spec = options.registry.get(kind, type)
      if (!spec) {
        const known = options.registry.list(kind).map((s) => s.type)
        issues.push({
          path: `${section}.${id}.type`,
          message: `unknown ${kind} type "${type}"; known: ${known.join(', ')}`,
        })
        continue
      }
      let inputList: string[] = []
      if (kind === 'source') {
        if (inputs !== undefined)
          issues.push({ path: `${section}.${id}.inputs`, message: 'sources take no inputs' })
      } else if (
        !Array.isArray(inputs) ||
        inputs.length === 0 ||
        !inputs.every((i) => typeof i === 'string')
      ) {
        issues.push({
          path: `${section}.${id}.inputs`,
          message: 'inputs must be a non-empty list of component ids',
        })
      } else inputList = inputs as string[]
      const cfg = spec.config.safeParse(rest)
      if (!cfg.success) issues.push(...zodIssues(cfg.error, [section, id]))
      resolved[kind].push({
        id,
        kind,
        type,
        inputs: inputList,
        config: cfg.success ? cfg.data : undefined,
        spec,
      })
    }
  }
  const graph = checkGraph([...resolved.source, ...resolved.transform, ...resolved.sink])
  issues.push(...graph.issues)
  if (issues.length > 0 || !file) throw new ConfigError(issues, origin)
  const { sources: _s, transforms: _t, sinks: _k, ...global } = file
  return {
    global: { ...global, data_dir: resolve(global.data_dir) },
    sources: resolved.source,
    transforms: resolved.transform,
    sinks: resolved.sink,
    warnings: graph.warnings,
    origin,
    input: { text: interpolated.text, overrides: options.overrides ?? {} },
  }
}
