// A bench's own TypeScript server (the baselines) compiled to one JavaScript module before it is
// spawned: clickflow runs compiled (dist/), so a baseline run through tsx would carry tsx's loader
// (~25-30 MB of RSS, its hooks thread) that clickflow does not, and the comparison would be skewed.
import { mkdirSync, rmSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { buildSync } from 'esbuild'

/** Bundles `script` (a path from the repository root) with its relative imports; returns the output's path. */
export function compiledScript(script: string): string {
  const outDir = resolve('.tmp', 'bench-scripts')
  mkdirSync(outDir, { recursive: true })
  // Under the repository, so packages (kept external) resolve from its node_modules.
  const outfile = join(outDir, `${basename(script, '.ts')}-${process.pid}.mjs`)
  buildSync({
    entryPoints: [resolve(script)],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'silent',
  })
  process.once('exit', () => rmSync(outfile, { force: true }))
  return outfile
}
