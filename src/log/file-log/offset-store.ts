// Consumer group offsets, one small JSON file per group and topic, replaced atomically
// (write temp, fsync, rename, fsync directory) so a crash leaves the old or the new offsets.
import { mkdir, open, readFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import type { PartitionOffsets } from '../log.ts'

/** Reads and writes committed offsets under `dir`. */
export class OffsetStore {
  readonly #dir: string
  #ready: Promise<void> | null = null

  constructor(dir: string) {
    this.#dir = dir
  }

  #file(group: string): string {
    return join(this.#dir, `${encodeURIComponent(group)}.json`)
  }

  /** The committed offsets of a group (empty when it never committed). */
  async read(group: string): Promise<PartitionOffsets> {
    try {
      const parsed = JSON.parse(await readFile(this.#file(group), 'utf8')) as { offsets: PartitionOffsets }
      return parsed.offsets
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {}
      throw err
    }
  }

  /** Replaces a group's offsets atomically and durably. */
  async write(group: string, offsets: PartitionOffsets): Promise<void> {
    this.#ready ??= mkdir(this.#dir, { recursive: true }).then(() => undefined)
    await this.#ready
    const target = this.#file(group)
    const tmp = `${target}.tmp`
    const fh = await open(tmp, 'w')
    try {
      await fh.writeFile(JSON.stringify({ offsets, committed_at: new Date().toISOString() }))
      await fh.datasync()
    } finally {
      await fh.close()
    }
    await rename(tmp, target)
    const dir = await open(this.#dir, 'r')
    try {
      await dir.sync()
    } finally {
      await dir.close()
    }
  }
}
