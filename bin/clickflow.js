#!/usr/bin/env node
// Entry point of the installed `clickflow` command: runs the compiled CLI (dist/, built from src/ by
// scripts/build.mjs, which `npm ci` and `npm install` run as `prepare`). No TypeScript loader runs in
// any of clickflow's processes or threads.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const main = new URL('../dist/cli/main.js', import.meta.url)
if (!existsSync(main)) {
  const root = fileURLToPath(new URL('..', import.meta.url))
  process.stderr.write(
    `clickflow: the compiled CLI (${fileURLToPath(main)}) is missing; run \`npm run build\` (or \`npm ci\`) in ${root}, then try again\n`,
  )
  process.exit(1)
}
await import(main.href)
