// Settings of the file_tail source.
import { z } from 'zod'
import { formatConfig } from '../../parsers/format-config.ts'

/** Schema of a `file_tail` source. */
export const fileTailConfig = z.strictObject({
  groups: z
    .array(
      z.strictObject({
        dir: z.string().min(1).describe('Directory to watch (not recursive).'),
        glob: z
          .string()
          .min(1)
          .default('*.log')
          .describe('File names to read in it: `*`, `?` and `{a,b}` patterns, e.g. `access.log*`.'),
      }),
    )
    .min(1)
    .describe('File groups: a directory and the file names in it to tail.'),
  parser: formatConfig.describe(
    'How lines become events: `format` is one of `combined`, `common`, `jsonl`, `csv`, `regex`, with its options.',
  ),
  position_file: z
    .string()
    .min(1)
    .optional()
    .describe('Where read positions are kept; default `<data_dir>/sources/<id>/positions.json`.'),
  read_from: z
    .enum(['beginning', 'end'])
    .default('beginning')
    .describe(
      'Where to start in a file with no stored position, among those present at start (`end`: only lines written from now on); files that appear later are always read from their beginning.',
    ),
  scan_interval_ms: z
    .number()
    .int()
    .min(10)
    .default(500)
    .describe(
      'Directory rescan period: a safety net beside file system notifications, which can miss events.',
    ),
  max_lines_per_file: z
    .number()
    .int()
    .min(1)
    .default(10_000)
    .describe(
      'Most lines taken from one file per round, so one busy file cannot starve the others. Each round ends in one durable log write, so small rounds spend their time waiting for fsync.',
    ),
  position_interval_ms: z
    .number()
    .int()
    .min(0)
    .default(1000)
    .describe(
      'While lines keep coming, the position file is replaced at most this often (0: after every round); it is always written once the files are read to their end, and on stop. Lines read again after a crash are recognised by their event ids, so a longer interval costs re-reading, not duplicates.',
    ),
  parse_threads: z
    .number()
    .int()
    .min(0)
    .max(64)
    .default(2)
    .describe(
      "Worker threads that parse a backlog (reads of 256 KiB or more) in parallel, at a lower CPU priority than the collector; capped at the machine's cores. 0: parse on the source's own thread. A few new lines are always parsed on the source's thread.",
    ),
  max_line_bytes: z
    .number()
    .int()
    .min(256)
    .default(64 * 1024)
    .describe('Longer lines are dead-lettered (`line_too_long`).'),
})

/** Parsed `file_tail` settings. */
export type FileTailConfig = z.infer<typeof fileTailConfig>
