// Consumer group offsets of one topic: one small JSON file per group under `<topic>/groups/`,
// replaced atomically (temp file, fsync, rename, fsync directory), so a crash leaves either the old
// or the new offsets. Kept in memory too, for lag metrics and retention warnings.
import { join } from 'node:path'
import type { PartitionOffsets } from '../log.ts'
import { type LogFs, writeFileAtomic } from './fs-facade.ts'

const SUFFIX = '.json'

/** Reads and writes the committed offsets of the groups of one topic. */
export class OffsetStore {
  readonly #dir: string
  readonly #fs: LogFs
  readonly #cache = new Map<string, PartitionOffsets>()
  #loaded: Promise<void> | null = null

  constructor(fs: LogFs, dir: string) {
    this.#fs = fs
    this.#dir = dir
  }

  #load(): Promise<void> {
    this.#loaded ??= (async () => {
      await this.#fs.mkdir(this.#dir)
      for (const name of await this.#fs.readdir(this.#dir)) {
        const group = groupOfFile(name)
        if (group !== null) this.#cache.set(group, await readOffsets(this.#fs, join(this.#dir, name)))
      }
    })()
    return this.#loaded
  }

  /** The committed offsets of a group (empty when it never committed). */
  async read(group: string): Promise<PartitionOffsets> {
    await this.#load()
    return { ...this.#cache.get(group) }
  }

  /** Every group that committed, with its offsets. */
  async all(): Promise<ReadonlyMap<string, PartitionOffsets>> {
    await this.#load()
    return new Map(this.#cache)
  }

  /** Replaces a group's offsets atomically and durably. */
  async write(group: string, offsets: PartitionOffsets): Promise<void> {
    await this.#load()
    const body = JSON.stringify({ offsets, committed_at: new Date().toISOString() })
    await writeFileAtomic(this.#fs, this.#dir, `${encodeURIComponent(group)}${SUFFIX}`, Buffer.from(body))
    this.#cache.set(group, { ...offsets })
  }
}

/** Reads one group's offsets file (also used by the read-only CLI). */
export async function readOffsets(fs: LogFs, path: string): Promise<PartitionOffsets> {
  const parsed = JSON.parse((await fs.readFile(path)).toString('utf8')) as { offsets?: PartitionOffsets }
  return parsed.offsets ?? {}
}

/** The group name stored in a file name of the groups folder, or null for other files. */
export function groupOfFile(name: string): string | null {
  return name.endsWith(SUFFIX) ? decodeURIComponent(name.slice(0, -SUFFIX.length)) : null
}
