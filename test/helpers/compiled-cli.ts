// The clickflow command as users run it: bin/clickflow.js, which runs the compiled CLI in dist/
// (scripts/build.mjs). Whoever spawns it (e2e tests, benches) gets dist/ built from the sources as
// they are now, at most once per process: a test never runs stale output.
import { spawnSync } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
/** The installed command's entry point (absolute). */
export const CLICKFLOW_BIN = join(ROOT, 'bin', 'clickflow.js')

let built = false

/** Builds dist/ if its sources changed since the last build (a no-op check otherwise, ~0.1 s). */
export function ensureBuilt(): void {
  if (built) return
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--quiet', '--if-stale'], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  if (r.status !== 0)
    throw new Error(`building dist/ failed (exit ${r.status}, ${r.error?.message ?? 'see above'})`)
  built = true
}

/** `node` arguments that run `clickflow <args>` from the compiled output, built first if stale. */
export function clickflowArgs(args: readonly string[]): string[] {
  ensureBuilt()
  return [CLICKFLOW_BIN, ...args]
}
