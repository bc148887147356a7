// The `regex` format: a pattern with named groups; the groups are the fields, mapped to an event
// like a JSON object's.
import type { FormatConfig } from './format-config.ts'
import {
  type FileParser,
  invalid,
  type LineFormat,
  type LineRef,
  lineEventId,
  type ParseContext,
} from './line-parser.ts'
import { mapRecord } from './record-mapping.ts'

type RegexConfig = Extract<FormatConfig, { format: 'regex' }>

/** The `regex` format. */
export function regexFormat(cfg: RegexConfig, ctx: ParseContext): LineFormat {
  const pattern = new RegExp(cfg.pattern)
  const parser: FileParser = {
    hasHeader: false,
    header: () => {},
    parse(line: string, ref: LineRef) {
      const m = pattern.exec(line)
      if (!m?.groups) return invalid('no_match', 'the line does not match the pattern')
      const record: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(m.groups)) if (v !== undefined) record[k] = v
      return mapRecord([record], cfg, lineEventId(ref, line), ctx)
    },
  }
  return { name: 'regex', forFile: () => parser }
}
