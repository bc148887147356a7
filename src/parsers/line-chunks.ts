// Splits bytes read from a file into complete lines with their byte offsets. A last line without
// its newline is left unconsumed: it is read again, whole, once the writer finishes it.

/** One complete line. */
export interface Line {
  /** The text without its line ending. */
  readonly text: string
  /** Byte offset of its first byte in the file. */
  readonly offset: number
  /** Longer than the limit: `text` is only its beginning, and it is not an input to parse. */
  readonly tooLong: boolean
}

/** The complete lines of `buf` (read at file offset `start`) and how many bytes they span. */
export function splitLines(
  buf: Buffer,
  start: number,
  maxLineBytes: number,
  maxLines = Number.POSITIVE_INFINITY,
): { lines: Line[]; consumed: number } {
  const lines: Line[] = []
  let pos = 0
  while (pos < buf.length && lines.length < maxLines) {
    const nl = buf.indexOf(10, pos)
    if (nl < 0) {
      // A line longer than the limit can never be completed within one read: cut it here, and let
      // its rest follow as another (also refused) line rather than stalling the file forever.
      if (buf.length - pos >= maxLineBytes) {
        lines.push({ text: buf.toString('utf8', pos, pos + 200), offset: start + pos, tooLong: true })
        pos = buf.length
      }
      break
    }
    let end = nl
    if (end > pos && buf[end - 1] === 13) end-- // CRLF
    const tooLong = end - pos > maxLineBytes
    lines.push({
      text: buf.toString('utf8', pos, tooLong ? pos + 200 : end),
      offset: start + pos,
      tooLong,
    })
    pos = nl + 1
  }
  return { lines, consumed: pos }
}
