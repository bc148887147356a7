// A LogFs for tests that fails on command: writes (after letting part of the bytes through, as a
// real full disk does), fsyncs, or truncates of segment files, with a chosen errno. A segment opened
// 'durable' syncs in its writes (O_DSYNC), so there a failing fsync is a write whose bytes all
// landed and whose call fails anyway, as a write does when its implicit fdatasync fails.
import type { LogFile, LogFs } from './fs-facade.ts'
import { nodeFs } from './fs-facade.ts'

/** Which operations fail, with which errno (null: they work). */
export interface Faults {
  write: string | null
  datasync: string | null
  truncate: string | null
}

function fail(code: string): never {
  throw Object.assign(new Error(`${code}: injected by the test`), { code })
}

/** `base` (the real fs by default) with switchable faults on `.log` files; returns the fs and its switches. */
export function faultyFs(base: LogFs = nodeFs): { fs: LogFs; faults: Faults } {
  const faults: Faults = { write: null, datasync: null, truncate: null }
  const fs: LogFs = {
    ...base,
    async open(path, mode) {
      const file = await base.open(path, mode)
      if (!path.endsWith('.log')) return file
      const wrapped: LogFile = {
        ...file,
        async write(buf, offset, length, position) {
          if (faults.write) {
            // Half of the bytes land, then the disk is full: the log must cut them back.
            if (length > 1) return file.write(buf, offset, Math.floor(length / 2), position)
            fail(faults.write)
          }
          if (faults.datasync && file.durableWrites) {
            await file.write(buf, offset, length, position)
            fail(faults.datasync)
          }
          return file.write(buf, offset, length, position)
        },
        async datasync() {
          if (faults.datasync) fail(faults.datasync)
          return file.datasync()
        },
        async truncate(length) {
          if (faults.truncate) fail(faults.truncate)
          return file.truncate(length)
        },
      }
      return wrapped
    },
  }
  return { fs, faults }
}
