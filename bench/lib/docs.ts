// Writes a bench's latest figures into docs/benchmarks.md: each bench owns the text between its two
// markers, which is replaced on every run; the file is created with its intro when missing.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'

export const BENCHMARKS_MD = 'docs/benchmarks.md'

const INTRO = `# Benchmarks

\`npm run bench\` runs every script in \`bench/\` one after the other (\`bench/run-all.ts\`); each one can
also run alone (\`npm run bench:collect\`, ...). Each script rewrites its own section below, between
its markers, with the figures of its latest run.

Our machines have 2 shared cores and a shared disk, and their speed changes from minute to minute, so
an absolute figure means little on its own. Every bench therefore also measures a baseline in the same
run, on the same machine, with the same load tool and settings, and reports clickflow as a ratio to
it. The targets are those of the product brief; absolute figures are given too, with the machine and
the load average they were measured under.
`

/** The machine line every section starts with. */
export function machine(): string {
  return `${availableParallelism()} cores, Node ${process.version}, ${process.platform}/${process.arch}`
}

/** The commit measured, with a mark when src/ has uncommitted changes; null outside a git checkout. */
export function revision(): string | null {
  const git = (...args: string[]) => spawnSync('git', args, { encoding: 'utf8' })
  const head = git('rev-parse', '--short', 'HEAD')
  if (head.status !== 0) return null
  const dirty = git('status', '--porcelain', '--', 'src').stdout.trim() !== ''
  return `${head.stdout.trim()}${dirty ? ' + uncommitted src changes' : ''}`
}

/** Replaces (or appends) the section `## title` of docs/benchmarks.md, keyed by `id`. */
export function writeSection(id: string, title: string, body: string): void {
  const begin = `<!-- bench:${id}:begin -->`
  const end = `<!-- bench:${id}:end -->`
  const block = `${begin}\n${body.trim()}\n${end}`
  let text = existsSync(BENCHMARKS_MD) ? readFileSync(BENCHMARKS_MD, 'utf8') : INTRO
  const from = text.indexOf(begin)
  const to = text.indexOf(end)
  if (from >= 0 && to > from) text = text.slice(0, from) + block + text.slice(to + end.length)
  else text = `${text.trimEnd()}\n\n## ${title}\n\n${block}\n`
  writeFileSync(BENCHMARKS_MD, text)
}
