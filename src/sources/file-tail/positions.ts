// The position file: per file identity (device:inode), the byte offset and line number read up to,
// and a fingerprint of the file's first bytes (an inode reused by a new file is not mistaken for
// the old one). Written atomically: temp file, fsync, rename, fsync of the directory.
import { open, readFile, rename } from 'node:fs/promises'
import { basename, dirname } from 'node:path'

/** Where one file was read up to. */
export interface FilePosition {
  /** The last path it was seen under (for people; the identity is what counts). */
  readonly path: string
  readonly offset: number
  /** Lines consumed before `offset`, so dead letters can name line numbers after a restart. */
  readonly line: number
  /** sha256 (hex) of the first `head_bytes` bytes. */
  readonly head: string
  readonly head_bytes: number
}

/** identity -> position. */
export type Positions = Record<string, FilePosition>

/** Reads the position file; an absent file is an empty map. */
export async function loadPositions(file: string): Promise<Positions> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw err
  }
  const parsed = JSON.parse(text) as { version: number; files: Positions }
  return parsed.files ?? {}
}

/** Replaces the position file atomically and durably. */
export async function savePositions(file: string, positions: Positions): Promise<void> {
  const tmp = `${dirname(file)}/.${basename(file)}.tmp`
  const fh = await open(tmp, 'w', 0o644)
  try {
    await fh.writeFile(JSON.stringify({ version: 1, files: positions }))
    await fh.sync()
  } finally {
    await fh.close()
  }
  await rename(tmp, file)
  // The rename is durable only once the directory entry is.
  const dir = await open(dirname(file), 'r')
  try {
    await dir.sync()
  } finally {
    await dir.close()
  }
}
