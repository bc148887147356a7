// Runs every *.test.ts under src/, test/ and tag/ with Node's own test runner (through tsx's loader).
// Node 20 does not expand globs for --test, so this script lists the files itself. It builds dist/
// first: the end-to-end tests run the compiled CLI, as users do, and must never run stale output.
// Usage: node scripts/run-tests.mjs [filter...]  (filters match file paths by substring)
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { buildProduct } from './build.mjs'

function find(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) find(path, out)
    else if (name.endsWith('.test.ts')) out.push(path)
  }
  return out
}

const filters = process.argv.slice(2)
const files = [...find('src', []), ...find('test', []), ...find('tag', [])]
  .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)))
  .sort()
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`)
  process.exit(1)
}
await buildProduct()
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { stdio: 'inherit' },
)
process.exit(result.status ?? 1)
