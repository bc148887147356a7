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

/**
 * Where {@link splitLines} would stop in `buf`, without making the lines: the bytes its lines span
 * and how many there are (-1: not counted, with no line limit). The reader cuts chunks with this so
 * a parse worker gets complete lines.
 */
export function completeLines(
  buf: Buffer,
  maxLineBytes: number,
  maxLines = Number.POSITIVE_INFINITY,
): { consumed: number; lines: number } {
  let pos = 0
  let lines = 0
  // With no line limit only the last newline matters (one native search from the end).
  if (maxLines === Number.POSITIVE_INFINITY) {
    const last = buf.lastIndexOf(10)
    if (last >= 0) return { consumed: last + 1, lines: -1 }
    return buf.length >= maxLineBytes ? { consumed: buf.length, lines: 1 } : { consumed: 0, lines: 0 }
  }
  while (pos < buf.length && lines < maxLines) {
    const nl = buf.indexOf(10, pos)
    if (nl < 0) {
      if (buf.length - pos >= maxLineBytes) {
        lines++
        pos = buf.length
      }
      break
    }
    lines++
    pos = nl + 1
  }
  return { consumed: pos, lines }
}

/**
 * Cuts `buf[0, end)` (complete lines) into up to `parts` pieces of about equal size at line starts,
 * for parsing them in parallel; returns the pieces' ends (the last is `end`).
 */
export function cutAtLines(buf: Buffer, end: number, parts: number): number[] {
  const cuts: number[] = []
  let prev = 0
  for (let k = 1; k < parts; k++) {
    const nl = buf.indexOf(10, Math.max(prev, Math.floor((end * k) / parts)))
    if (nl < 0 || nl + 1 >= end) break
    cuts.push(nl + 1)
    prev = nl + 1
  }
  cuts.push(end)
  return cuts
}
