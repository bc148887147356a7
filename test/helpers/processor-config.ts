// Config files for end-to-end tests of the stream processor: the default topology with processor
// (and optionally pipeline) settings changed, written where `clickflow start -c` reads them.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DEFAULT_CONFIG_YAML } from '../../src/config/default-config.ts'

/** Writes the default config with `processor` settings added (and a `pipeline:` section), returns its path. */
export function processorConfig(
  dir: string,
  processor: Record<string, number>,
  pipeline: Record<string, number> = {},
): string {
  const marker = '    type: processor\n'
  if (!DEFAULT_CONFIG_YAML.includes(marker)) throw new Error('the default config has no processor sink')
  let yaml = DEFAULT_CONFIG_YAML.replace(
    marker,
    marker +
      Object.entries(processor)
        .map(([k, v]) => `    ${k}: ${v}\n`)
        .join(''),
  )
  if (Object.keys(pipeline).length > 0)
    yaml += `\npipeline:\n${Object.entries(pipeline)
      .map(([k, v]) => `  ${k}: ${v}\n`)
      .join('')}`
  const path = join(dir, 'clickflow.yaml')
  writeFileSync(path, yaml)
  return path
}
