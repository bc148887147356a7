// `clickflow validate -c FILE`: checks a config file completely and lists every problem.
import { loadConfig } from '../config/load.ts'
import { builtinRegistry } from '../topology/builtin-registry.ts'
import { EXIT } from './exit.ts'

/** Validates a config file; prints the result and returns the exit code. */
export function runValidate(path: string | undefined, env: NodeJS.ProcessEnv): number {
  const config = loadConfig({ path, env, registry: builtinRegistry() })
  for (const w of config.warnings) process.stdout.write(`warning: ${w.path}: ${w.message}\n`)
  process.stdout.write(
    `${config.origin} is valid: ${config.sources.length} source(s), ${config.transforms.length} transform(s), ${config.sinks.length} sink(s)\n`,
  )
  return EXIT.ok
}
