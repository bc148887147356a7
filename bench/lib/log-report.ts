// The report of `npm run bench:log`: a table of figures and ratios on stdout, and the "Log" section of
// docs/benchmarks.md (the text between this bench's markers is replaced; other sections are kept).
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus } from 'node:os'

/** One measured row: a figure, its baseline or target, and whether it passes (null: no target). */
export interface Row {
  readonly what: string
  readonly value: string
  readonly against: string
  readonly ratio: string
  readonly pass: boolean | null
}

/** The table as Markdown. */
export function markdown(rows: readonly Row[]): string {
  return [
    '| what | clickflow | baseline / target | ratio | |',
    '|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.what} | ${r.value} | ${r.against} | ${r.ratio} | ${r.pass === null ? '' : r.pass ? 'pass' : 'FAIL'} |`,
    ),
  ].join('\n')
}

/** The machine the figures come from. */
export function machine(): string {
  return `${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}, ${process.platform}/${process.arch}`
}

/** Replaces (or appends) the bench's section of docs/benchmarks.md, between its markers. */
export function writeLogSection(body: string): void {
  const file = 'docs/benchmarks.md'
  const begin = '<!-- bench:log:begin -->'
  const end = '<!-- bench:log:end -->'
  const block = `${begin}\n${body.trim()}\n${end}`
  let text = existsSync(file)
    ? readFileSync(file, 'utf8')
    : '# Benchmarks\n\nEach bench script rewrites its own section with the figures of its latest run.\n'
  const from = text.indexOf(begin)
  const to = text.indexOf(end)
  if (from >= 0 && to > from) text = text.slice(0, from) + block + text.slice(to + end.length)
  else text = `${text.trimEnd()}\n\n## Log\n\n${block}\n`
  writeFileSync(file, text)
}
