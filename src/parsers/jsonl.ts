// The `jsonl` format: one JSON object per line, mapped to an event; with `explode`, an array in the
// line holds several events (each item looked up first, then the line around it).
import type { FormatConfig } from './format-config.ts'
import {
  type FileParser,
  invalid,
  type LineFormat,
  type LineRef,
  lineEventId,
  type ParseContext,
} from './line-parser.ts'
import { mapRecord, readPath } from './record-mapping.ts'

type JsonlConfig = Extract<FormatConfig, { format: 'jsonl' }>

/** The `jsonl` format. */
export function jsonlFormat(cfg: JsonlConfig, ctx: ParseContext): LineFormat {
  const parser: FileParser = {
    hasHeader: false,
    header: () => {},
    parse(line: string, ref: LineRef) {
      let value: unknown
      try {
        value = JSON.parse(line)
      } catch (err) {
        return invalid('invalid_json', (err as Error).message)
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        return invalid('not_an_object', 'a line must hold one JSON object')
      const record = value as Record<string, unknown>
      if (cfg.explode === undefined) return mapRecord([record], cfg, lineEventId(ref, line), ctx)
      const items = readPath(record, cfg.explode)
      if (!Array.isArray(items)) return invalid('missing_array', `${cfg.explode} is not an array`)
      const { [cfg.explode]: _, ...outer } = record
      const events = []
      for (let i = 0; i < items.length; i++) {
        const item = items[i]
        if (typeof item !== 'object' || item === null || Array.isArray(item))
          return invalid('not_an_object', `${cfg.explode}[${i}] is not an object`)
        const out = mapRecord([item as Record<string, unknown>, outer], cfg, lineEventId(ref, line, i), ctx)
        if (out.kind !== 'events')
          return out.kind === 'invalid' ? { ...out, message: `${cfg.explode}[${i}]: ${out.message}` } : out
        events.push(...out.events)
      }
      return { kind: 'events', events }
    },
  }
  return { name: 'jsonl', forFile: () => parser }
}
