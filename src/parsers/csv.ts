// The `csv` format: a header (the file's first line, or configured columns) names the fields of
// each row, which is then mapped to an event. Quoted fields follow RFC 4180 within one line; a
// quoted field spanning lines is not supported (the line is dead-lettered).
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

type CsvConfig = Extract<FormatConfig, { format: 'csv' }>

/** Splits one CSV line into fields; null when a quote is left open. */
export function splitCsvLine(line: string, delimiter: string): string[] | null {
  const out: string[] = []
  let i = 0
  const s = line.endsWith('\r') ? line.slice(0, -1) : line
  for (;;) {
    if (s[i] === '"') {
      let v = ''
      i++
      for (;;) {
        const q = s.indexOf('"', i)
        if (q < 0) return null
        v += s.slice(i, q)
        if (s[q + 1] === '"') {
          v += '"'
          i = q + 2
          continue
        }
        i = q + 1
        break
      }
      out.push(v)
      if (i >= s.length) return out
      if (s[i] !== delimiter) return null
      i++
    } else {
      const d = s.indexOf(delimiter, i)
      if (d < 0) {
        out.push(s.slice(i))
        return out
      }
      out.push(s.slice(i, d))
      i = d + 1
    }
  }
}

/** The `csv` format. */
export function csvFormat(cfg: CsvConfig, ctx: ParseContext): LineFormat {
  return {
    name: 'csv',
    forFile(): FileParser {
      let columns: readonly string[] | null = cfg.columns ?? null
      return {
        hasHeader: cfg.columns === undefined,
        header(line: string) {
          columns = splitCsvLine(line, cfg.delimiter) ?? []
        },
        parse(line: string, ref: LineRef) {
          const values = splitCsvLine(line, cfg.delimiter)
          if (values === null) return invalid('invalid_csv', 'unbalanced quotes')
          const cols = columns ?? []
          if (values.length !== cols.length)
            return invalid('invalid_csv', `${values.length} fields where the header has ${cols.length}`)
          const record: Record<string, unknown> = {}
          cols.forEach((c, i) => {
            record[c] = values[i]
          })
          return mapRecord([record], cfg, lineEventId(ref, line), ctx)
        },
      }
    },
  }
}
