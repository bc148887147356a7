// `npm run bench`: runs every bench script in bench/ (each *.ts at its top level but this one), one
// after the other so they do not compete for the 2 cores; exits 1 if any of them failed.
// `npm run bench -- collector log` runs only the scripts whose names contain one of the words.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const dir = fileURLToPath(new URL('.', import.meta.url))
const self = basename(fileURLToPath(import.meta.url))
const only = process.argv.slice(2)
const scripts = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== self)
  .filter((f) => only.length === 0 || only.some((w) => f.includes(w)))
  .sort()
if (scripts.length === 0) {
  process.stderr.write(`no bench script in bench/ matches ${only.join(' ')}\n`)
  process.exit(1)
}
const failed: string[] = []
for (const script of scripts) {
  process.stderr.write(`\n=== bench/${script} ===\n`)
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(dir, script)], { stdio: 'inherit' })
  if (r.status !== 0) failed.push(`${script} (exit ${r.status ?? r.signal})`)
}
process.stderr.write(
  failed.length === 0
    ? `\nall ${scripts.length} bench scripts finished\n`
    : `\nfailed: ${failed.join(', ')}\n`,
)
process.exitCode = failed.length === 0 ? 0 : 1
