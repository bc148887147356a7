// The baseline of the log's ack latency: the least a durable append can cost on this disk. Appends
// queue; one loop writes everything queued with a single write and fdatasync on one file, then
// acknowledges it, and starts again at once. No framing, no CRC, no partitions, no index.
import type { FileHandle } from 'node:fs/promises'

/** A minimal group commit over one file. */
export class RawGroupCommit {
  readonly #file: FileHandle
  #queue: { bytes: Buffer; resolve: () => void }[] = []
  #running = false

  constructor(file: FileHandle) {
    this.#file = file
  }

  /** Resolves once `bytes` are written and fdatasync'd. */
  append(bytes: Buffer): Promise<void> {
    return new Promise((resolve) => {
      this.#queue.push({ bytes, resolve })
      if (!this.#running) void this.#loop()
    })
  }

  async #loop(): Promise<void> {
    this.#running = true
    while (this.#queue.length > 0) {
      const taken = this.#queue
      this.#queue = []
      await this.#file.write(Buffer.concat(taken.map((t) => t.bytes)))
      await this.#file.datasync()
      for (const t of taken) t.resolve()
    }
    this.#running = false
  }
}
