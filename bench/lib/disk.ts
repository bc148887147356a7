// Disk baseline of the durable-log benches: how long one write + fdatasync takes in the bench's temp
// folder right now (other work on a shared machine changes it a lot), so a slow log can be told apart
// from a slow disk.
import { open, rm } from 'node:fs/promises'
import { join } from 'node:path'

/** Mean milliseconds of one append of `chunkBytes` + fdatasync, over about `seconds`. */
export async function fsyncProbe(dir: string, chunkBytes: number, seconds: number): Promise<number> {
  const path = join(dir, `fsync-probe-${chunkBytes}.bin`)
  const fh = await open(path, 'a')
  const chunk = Buffer.alloc(chunkBytes, 7)
  const started = performance.now()
  let n = 0
  try {
    while (performance.now() - started < seconds * 1000 || n < 3) {
      await fh.write(chunk)
      await fh.datasync()
      n++
    }
  } finally {
    await fh.close()
    await rm(path, { force: true })
  }
  return (performance.now() - started) / n
}
