// What parsing one line of a log file yields, and the context every format needs: where the line
// came from (for deterministic event ids and dead letters) and the services it may use.
import xxhash from 'xxhash-wasm'
import type { ClickEvent } from '../core/event.ts'

/** Where a line is: the file, its identity (device:inode), the byte offset and the 1-based line number. */
export interface LineRef {
  readonly file: string
  readonly identity: string
  readonly offset: number
  readonly lineNumber: number
}

/** The outcome of one line: events, a line that is valid but not wanted, or one that does not parse. */
export type LineOutcome =
  | {
      readonly kind: 'events'
      readonly events: ClickEvent[]
      /**
       * The props of `events[0]` already written as JSON (exactly JSON.stringify(props)), when the
       * format can write them more cheaply than JSON.stringify: the encoder then uses this text.
       */
      readonly propsJson?: string
    }
  | { readonly kind: 'skip'; readonly reason: string }
  | { readonly kind: 'invalid'; readonly reason: string; readonly message: string }

/** What a parser may use besides the line. */
export interface ParseContext {
  /** The component id stamped on events (`source_id`) and dead letters. */
  readonly sourceId: string
  /** Turns IP + user agent into a visitor id (keyed hash). */
  readonly visitorOf: (ip: string, userAgent: string) => string
  readonly now: () => number
}

/** Parses the lines of one file; some formats keep per-file state (a CSV header). */
export interface FileParser {
  /**
   * The file's first line is a header (CSV without configured columns): it is handed to `header`,
   * not parsed, and handed again whenever the file is read anew (a restart, a retried round).
   */
  readonly hasHeader: boolean
  header(line: string): void
  parse(line: string, ref: LineRef): LineOutcome
}

/** A format: makes a parser for each file. */
export interface LineFormat {
  readonly name: string
  forFile(): FileParser
}

// xxHash64 in WebAssembly: a tenth of SHA-1's cost per line through Node's crypto (whose call
// overhead, not the digest, was ~0.6 us of a kept access-log line's ~2.5 us).
const { h64ToString } = await xxhash()

/**
 * A deterministic event id for the `index`-th event of a line: the file identity and the byte
 * offset as they are (`device:inode:offset`, plus `.index` past a line's first event), then the
 * xxHash64 of the line's text in 16 hex digits. A line read again after a crash gets the same id
 * (so it is recognised as a repeat); a different line at the same place (after a truncation, or a
 * reused inode) gets another. The position makes ids unique by construction, so the hash only has
 * to tell two lines at one position apart; the id also says where its line came from.
 */
export function lineEventId(ref: LineRef, line: string, index = 0): string {
  const at = index === 0 ? `${ref.offset}` : `${ref.offset}.${index}`
  return `${ref.identity}:${at}:${h64ToString(line)}`
}

/** An `invalid` outcome. */
export function invalid(reason: string, message: string): LineOutcome {
  return { kind: 'invalid', reason, message }
}

/** A `skip` outcome. */
export function skip(reason: string): LineOutcome {
  return { kind: 'skip', reason }
}
