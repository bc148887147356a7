// The command-line side of `clickflow import`: loads the config, checks the files, runs the import
// and prints the summary (JSON on stdout) with the exit code.
import { loadConfig } from '../config/load.ts'
import { ClickflowError } from '../core/errors.ts'
import { builtinRegistry } from '../topology/builtin-registry.ts'
import { EXIT } from './exit.ts'
import { assertReadable, runImport } from './import.ts'
import { handoffWriter } from './import-handoff.ts'

/** Runs `clickflow import`; resolves with the exit code. */
export async function runImportCommand(
  files: readonly string[],
  o: {
    format?: string
    parser?: string
    sourceId?: string
    config?: string
    dataDir?: string
    adminToken?: string
    parseThreads?: string
  },
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const parseThreads = o.parseThreads === undefined ? undefined : Number(o.parseThreads)
  if (
    parseThreads !== undefined &&
    !(Number.isInteger(parseThreads) && parseThreads >= 0 && parseThreads <= 64)
  )
    throw new ClickflowError('invalid_option', '--parse-threads must be a whole number from 0 to 64')
  const config = loadConfig({
    path: o.config,
    env,
    registry: builtinRegistry(),
    overrides: { dataDir: o.dataDir },
  })
  for (const f of files) await assertReadable(f)
  // Beside a running clickflow the batches go to its admin listener, with its token if it has one.
  const token = o.adminToken ?? (env.CLICKFLOW_ADMIN_TOKEN || undefined)
  const tally = await runImport(files, { ...o, parseThreads }, config, (dataDir) =>
    handoffWriter(dataDir, token),
  )
  const s = tally.toJson()
  process.stdout.write(`${JSON.stringify(s)}\n`)
  process.stderr.write(
    `imported ${s.imported} events from ${s.lines} lines; skipped ${s.skipped} ${JSON.stringify(s.skipped_by_reason)}; dead-lettered ${s.dead_lettered} ${JSON.stringify(s.dead_lettered_by_reason)}\n`,
  )
  return EXIT.ok
}
