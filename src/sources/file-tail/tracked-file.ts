// One file being tailed: an open handle (so a file renamed away or deleted is still read to its end),
// its identity, and how far it was read. Two positions: where the next read starts (moved by each
// read, so a backlog's next lines can be read and parsed while the last ones are being written) and
// the committed one, moved only when the caller commits lines whose events are durable; what the
// position file keeps.
import { createHash } from 'node:crypto'
import { type FileHandle, open } from 'node:fs/promises'
import { completeLines } from '../../parsers/line-chunks.ts'
import type { FilePosition } from './positions.ts'

/** Bytes of a file's beginning that identify its content beside the inode. */
const HEAD_BYTES = 256
/**
 * Most bytes read from one file in one round (unless a line allowed by max_line_bytes is longer):
 * room for max_lines_per_file's default 10,000 lines of a typical access log, so a round's durable
 * write is shared by that many lines.
 */
const CHUNK_BYTES = 4 * 1024 * 1024

/** The identity of a file: `device:inode`. */
export function identityOf(st: { dev: bigint; ino: bigint }): string {
  return `${st.dev}:${st.ino}`
}

/** Complete lines read from a file, not yet parsed nor committed. */
export interface ReadResult {
  /** The lines' bytes (a last line longer than the limit may be cut anywhere). */
  readonly bytes: Buffer
  /** File offset of `bytes[0]`. */
  readonly start: number
  /** How many lines `bytes` holds. */
  readonly lines: number
  /** Offset after the last complete line read. */
  readonly end: number
  /** More complete lines may follow right away (the read stopped at a limit, not at the end). */
  readonly more: boolean
}

/** A file being tailed. */
export class TrackedFile {
  readonly identity: string
  path: string
  /** Gone from its group (renamed away, deleted): read to the end, then closed and forgotten. */
  gone = false
  #fh: FileHandle
  /** Committed: the lines before it are durable. */
  #offset: number
  #line: number
  /** Where the next read starts: the committed position plus the lines read but not committed. */
  #readOffset: number
  #readLine: number
  #head: { hash: string; bytes: number }
  /** The file's first line, for formats whose first line is a header (else null). */
  #header: string | null = null
  readonly #hasHeader: boolean
  /** The size at the last `truncated()` check; reads only happen when it is past the offset. */
  #size = Number.POSITIVE_INFINITY

  private constructor(fh: FileHandle, path: string, identity: string, hasHeader: boolean, pos: FilePosition) {
    this.#fh = fh
    this.path = path
    this.identity = identity
    this.#hasHeader = hasHeader
    this.#offset = pos.offset
    this.#line = pos.line
    this.#readOffset = pos.offset
    this.#readLine = pos.line
    this.#head = { hash: pos.head, bytes: pos.head_bytes }
  }

  /**
   * Opens `path`; null if it vanished or is no longer `identity`. A stored position is used only if the
   * file's first bytes still match it and the file is not shorter than it (else: read from the start).
   */
  static async open(
    path: string,
    identity: string,
    hasHeader: boolean,
    stored: FilePosition | undefined,
    fromEnd: boolean,
  ): Promise<{ file: TrackedFile; resumed: 'stored' | 'start' | 'end' | 'reset' } | null> {
    let fh: FileHandle
    try {
      fh = await open(path, 'r')
    } catch {
      return null
    }
    const st = await fh.stat({ bigint: true })
    if (identityOf(st) !== identity) {
      await fh.close()
      return null
    }
    const size = Number(st.size)
    let pos: FilePosition = { path, offset: 0, line: 0, head: '', head_bytes: 0 }
    let resumed: 'stored' | 'start' | 'end' | 'reset' = 'start'
    if (stored) {
      const head = stored.head_bytes > 0 ? await readHead(fh, stored.head_bytes) : ''
      if (stored.offset <= size && head === stored.head) {
        pos = stored
        resumed = 'stored'
      } else resumed = 'reset'
    } else if (fromEnd) {
      pos = {
        path,
        offset: size,
        line: 0,
        head: await readHead(fh, Math.min(size, HEAD_BYTES)),
        head_bytes: Math.min(size, HEAD_BYTES),
      }
      resumed = 'end'
    }
    const file = new TrackedFile(fh, path, identity, hasHeader, pos)
    if (pos.offset > 0 && hasHeader) await file.#primeHeader()
    return { file, resumed }
  }

  get offset(): number {
    return this.#offset
  }

  /** The file's header line, once known (formats with a header only). */
  get header(): string | null {
    return this.#header
  }

  /** The 1-based number of the next line read. */
  get nextLineNumber(): number {
    return this.#readLine + 1
  }

  /** Lines were read that are not committed yet. */
  get reading(): boolean {
    return this.#readOffset !== this.#offset
  }

  /**
   * Whether it was truncated (copy-truncate): it is shorter than what was read, or its first bytes
   * changed (truncated and written past the old offset before this round noticed). Then the caller
   * waits for the lines read before to be committed, and calls {@link reset}.
   */
  async truncated(): Promise<boolean> {
    const st = await this.#fh.stat()
    this.#size = st.size
    const shrank = st.size < this.#readOffset
    return (
      shrank || (this.#head.bytes > 0 && (await readHead(this.#fh, this.#head.bytes)) !== this.#head.hash)
    )
  }

  /** Reads the file from its start again (after {@link truncated}; nothing read is uncommitted). */
  reset(): void {
    this.#offset = 0
    this.#line = 0
    this.#readOffset = 0
    this.#readLine = 0
    this.#head = { hash: '', bytes: 0 }
    this.#header = null
  }

  /** Forgets the lines read but not committed: the next read starts at the committed position. */
  rewind(): void {
    this.#readOffset = this.#offset
    this.#readLine = this.#line
  }

  /**
   * Reads up to `maxLines` complete lines from where the last read ended into a buffer from
   * `allocate` (shared memory when parse workers will read it); the next read starts after them.
   */
  async read(
    maxLines: number,
    maxLineBytes: number,
    allocate: (bytes: number) => Buffer,
  ): Promise<ReadResult> {
    // An idle file (nothing past the offset at the last stat) costs no read and no buffer.
    const at = this.#readOffset
    if (this.#size <= at) return { bytes: EMPTY, start: at, lines: 0, end: at, more: false }
    // No bigger than what the last stat saw unread (many small files, small buffers), but never
    // smaller than a line may be when more than that is unread, so a too-long line is recognised.
    const cap = Math.max(CHUNK_BYTES, maxLineBytes + 2)
    const size = Math.min(cap, Math.max(this.#size - at, 1))
    const buf = allocate(size)
    const { bytesRead } = await this.#fh.read(buf, 0, size, at)
    const { lines, consumed } = completeLines(buf.subarray(0, bytesRead), maxLineBytes, maxLines)
    if (at === 0 && this.#head.bytes === 0 && consumed > 0) {
      const n = Math.min(consumed, HEAD_BYTES)
      this.#head = { hash: hashOf(buf.subarray(0, n)), bytes: n }
    }
    if (at === 0 && this.#hasHeader && lines > 0) this.#header = firstLineOf(buf.subarray(0, consumed))
    this.#readOffset = at + consumed
    this.#readLine += lines
    // More is ready when a limit stopped the read, not the end of what the stat saw.
    const more = lines === maxLines || (bytesRead === size && at + bytesRead < this.#size)
    return { bytes: buf.subarray(0, consumed), start: at, lines, end: at + consumed, more }
  }

  /** Moves the offset past `lineCount` lines ending at `end`, once they are durable. */
  commit(end: number, lineCount: number): void {
    this.#offset = end
    this.#line += lineCount
  }

  /** What the position file keeps for this file. */
  position(): FilePosition {
    return {
      path: this.path,
      offset: this.#offset,
      line: this.#line,
      head: this.#head.hash,
      head_bytes: this.#head.bytes,
    }
  }

  close(): Promise<void> {
    return this.#fh.close()
  }

  async #primeHeader(): Promise<void> {
    const buf = Buffer.allocUnsafe(64 * 1024)
    const { bytesRead } = await this.#fh.read(buf, 0, buf.length, 0)
    this.#header = firstLineOf(buf.subarray(0, bytesRead))
  }
}

const EMPTY = Buffer.alloc(0)

/** The first line of `buf` as text (without its line ending). */
function firstLineOf(buf: Buffer): string {
  const nl = buf.indexOf(10)
  let end = nl >= 0 ? nl : buf.length
  if (end > 0 && buf[end - 1] === 13) end--
  return buf.toString('utf8', 0, end)
}

function hashOf(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex')
}

async function readHead(fh: FileHandle, n: number): Promise<string> {
  const buf = Buffer.alloc(n)
  const { bytesRead } = await fh.read(buf, 0, n, 0)
  return bytesRead === n ? hashOf(buf) : ''
}
