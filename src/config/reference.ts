// Renders the config reference (docs/config.md) from the zod schemas, so the documentation cannot
// drift from what the loader accepts.
import { z } from 'zod'
import type { Registry } from '../core/registry.ts'
import { lakeSchema } from '../lake/config.ts'
import { formatConfig } from '../parsers/format-config.ts'
import { apiSchema, logSchema, pipelineSchema, runtimeSchema, storeSchema } from './schema.ts'

interface JsonSchemaProp {
  type?: string | string[]
  description?: string
  default?: unknown
  enum?: unknown[]
  const?: unknown
  items?: { type?: string }
  minimum?: number
  maximum?: number
  anyOf?: JsonSchemaProp[]
}

function typeOf(p: JsonSchemaProp): string {
  if (p.const !== undefined) return JSON.stringify(p.const)
  if (p.enum) return p.enum.map((v) => JSON.stringify(v)).join(' \\| ')
  if (p.anyOf) return p.anyOf.map(typeOf).join(' \\| ')
  if (p.type === 'array') return `list of ${p.items?.type ?? 'value'}`
  const t = Array.isArray(p.type) ? p.type.join(' \\| ') : (p.type ?? 'value')
  const max = p.maximum !== undefined && p.maximum < Number.MAX_SAFE_INTEGER ? p.maximum : undefined
  if (t === 'integer' && (p.minimum !== undefined || max !== undefined)) {
    return max === undefined ? `integer (>= ${p.minimum})` : `integer (${p.minimum ?? ''}..${max})`
  }
  return t
}

function table(schema: z.ZodType): string {
  const js = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, JsonSchemaProp>
  }
  const rows = Object.entries(js.properties ?? {}).map(([name, p]) => {
    const def = p.default === undefined ? '' : `\`${JSON.stringify(p.default)}\``
    return `| \`${name}\` | ${typeOf(p)} | ${def} | ${(p.description ?? '').replaceAll('|', '\\|')} |`
  })
  return ['| key | type | default | description |', '|---|---|---|---|', ...rows].join('\n')
}

/** The whole reference as Markdown. */
export function renderConfigReference(registry: Registry): string {
  const out: string[] = [
    '# Configuration reference',
    '',
    'Generated from the schemas by `npm run docs`; do not edit by hand. Unknown keys are errors.',
    'Values may use `${VAR}` or `${VAR:-default}` to read environment variables; `$${` writes a literal `${`.',
    'Check a file with `clickflow validate -c FILE`; print the built-in default with `clickflow config default`.',
    '',
    '## Top level',
    '',
    '| key | type | default | description |',
    '|---|---|---|---|',
    '| `data_dir` | string | `"./clickflow-data"` | Where all data lives (`--data-dir` wins). |',
    '| `log_level` | `"trace"` \\| `"debug"` \\| `"info"` \\| `"warn"` \\| `"error"` \\| `"fatal"` | `"info"` | Log verbosity. |',
    '| `log` | mapping | | The durable log, below. |',
    '| `api` | mapping | | The admin listener, below. |',
    '| `store` | mapping | | The query store, below. |',
    '| `pipeline` | mapping | | Batching and retries between log and sinks, below. |',
    '| `lake` | mapping | | The lake (Parquet + Delta Lake log), below. |',
    '| `runtime` | mapping | | How the roles of `clickflow start` run (thread or child process), below. |',
    '| `sources`, `transforms`, `sinks` | mapping of id to component | | Components keyed by a snake_case id; transforms and sinks list their `inputs`. |',
    '',
  ]
  for (const [name, schema] of [
    ['log', logSchema],
    ['api', apiSchema],
    ['store', storeSchema],
    ['pipeline', pipelineSchema],
    ['lake', lakeSchema],
    ['runtime', runtimeSchema],
  ] as const) {
    out.push(`## \`${name}\``, '', schema.description ?? '', '', table(schema), '')
  }
  for (const kind of ['source', 'transform', 'sink'] as const) {
    out.push(`## ${kind[0]!.toUpperCase()}${kind.slice(1)}s`, '')
    for (const spec of registry.list(kind)) {
      out.push(`### \`type: ${spec.type}\``, '', spec.description, '')
      if (kind !== 'source') out.push('Also takes `inputs`: a non-empty list of source or transform ids.', '')
      out.push(table(spec.config), '')
    }
  }
  out.push(
    '## Log formats',
    '',
    'The `parser` of a `file_tail` source, and `clickflow import --format F --parser JSON`: `format` picks one of these.',
    '',
  )
  for (const option of formatConfig.options) {
    out.push(`### \`format: ${option.shape.format.value}\``, '', table(option), '')
  }
  return `${out.join('\n').trimEnd()}\n`
}
