// The file operations the log uses, behind a small interface, so a test can make any of them fail
// (ENOSPC on the third write, EIO on fsync) deterministically. `nodeFs` is the real thing.
import { constants, write as fsWrite } from 'node:fs'
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises'
import { join } from 'node:path'

/** An open file: positional reads and writes only (never O_APPEND, which ignores positions). */
export interface LogFile {
  /**
   * True when every `write` returns only once its bytes (and the size the file needs to reach them)
   * are on stable storage, as after an fdatasync: the file was opened 'durable' with O_DSYNC.
   */
  readonly durableWrites: boolean
  read(buf: Buffer, offset: number, length: number, position: number): Promise<number>
  write(buf: Buffer, offset: number, length: number, position: number): Promise<number>
  datasync(): Promise<void>
  truncate(length: number): Promise<void>
  size(): Promise<number>
  close(): Promise<void>
}

/**
 * How a file is opened: read-only; read-write, creating it if missing; or 'durable': like
 * 'readwrite', but each write is durable when it returns (O_DSYNC, where the platform has it). A
 * segment is written that way: one call per partition and cycle instead of a write and then an
 * fdatasync, each a round trip through the thread pool, for the same work on the disk.
 */
export type OpenMode = 'read' | 'readwrite' | 'durable'

/** Directory and file operations of the log. */
export interface LogFs {
  open(path: string, mode: OpenMode): Promise<LogFile>
  readdir(path: string): Promise<string[]>
  mkdir(path: string): Promise<void>
  unlink(path: string): Promise<void>
  rename(from: string, to: string): Promise<void>
  readFile(path: string): Promise<Buffer>
  /** Makes a directory's entries (created, renamed, removed files) durable. */
  syncDir(path: string): Promise<void>
}

const READ_WRITE = constants.O_RDWR | constants.O_CREAT
/** O_DSYNC, or undefined where the platform has none (Windows): then durable files fall back to fdatasync. */
const DSYNC: number | undefined = constants.O_DSYNC

/** The real file system. */
export const nodeFs: LogFs = {
  async open(path, mode) {
    const durable = mode === 'durable' && DSYNC !== undefined
    const flags = mode === 'read' ? constants.O_RDONLY : durable ? READ_WRITE | DSYNC : READ_WRITE
    const fh = await open(path, flags, 0o644)
    // Writes go through the callback API on the descriptor: a FileHandle write costs ~15 us more
    // CPU per call (its promise and bookkeeping), twice per cycle on the appenders' critical path.
    // FileHandle.close waits only for its own operations, so close waits for these writes itself
    // (the descriptor must not be closed, and its number reused, under a write).
    let writing = 0
    let written: () => void = () => undefined
    return {
      durableWrites: durable,
      read: async (buf, offset, length, position) => (await fh.read(buf, offset, length, position)).bytesRead,
      write: (buf, offset, length, position) =>
        new Promise<number>((resolve, reject) => {
          writing++
          fsWrite(fh.fd, buf, offset, length, position, (err, n) => {
            if (--writing === 0) written()
            if (err) reject(err)
            else resolve(n)
          })
        }),
      datasync: () => fh.datasync(),
      truncate: (length) => fh.truncate(length),
      size: async () => (await fh.stat()).size,
      close: async () => {
        while (writing > 0) await new Promise<void>((r) => (written = r))
        await fh.close()
      },
    }
  },
  readdir: (path) => readdir(path),
  mkdir: async (path) => {
    await mkdir(path, { recursive: true })
  },
  unlink: (path) => unlink(path),
  rename: (from, to) => rename(from, to),
  readFile: (path) => readFile(path),
  async syncDir(path) {
    const fh = await open(path, 'r')
    try {
      await fh.sync()
    } finally {
      await fh.close()
    }
  },
}

/** Writes all of `data` at `position`, looping over short writes. */
export async function writeFully(file: LogFile, data: Buffer, position: number): Promise<void> {
  let done = 0
  while (done < data.length) {
    const n = await file.write(data, done, data.length - done, position + done)
    if (n <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' })
    done += n
  }
}

/**
 * Reads up to `length` bytes at `position` (into `take(length)` when given); the result is shorter
 * only at the end of the file.
 */
export async function readFully(
  file: LogFile,
  length: number,
  position: number,
  take?: (size: number) => Buffer,
): Promise<Buffer> {
  const buf = take ? take(length) : Buffer.allocUnsafe(length)
  let done = 0
  while (done < length) {
    const n = await file.read(buf, done, length - done, position + done)
    if (n === 0) break
    done += n
  }
  return done === length ? buf : buf.subarray(0, done)
}

/** Replaces `path` atomically and durably (temp file, fsync, rename, fsync directory). */
export async function writeFileAtomic(fs: LogFs, dir: string, name: string, data: Buffer): Promise<void> {
  const target = join(dir, name)
  const tmp = `${target}.tmp`
  const file = await fs.open(tmp, 'readwrite')
  try {
    await file.truncate(0)
    await writeFully(file, data, 0)
    await file.datasync()
  } finally {
    await file.close()
  }
  await fs.rename(tmp, target)
  await fs.syncDir(dir)
}
