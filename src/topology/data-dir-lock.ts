// One clickflow per data directory: a lock file holding the owner's pid. A lock left by a process
// that no longer runs (kill -9, power loss) is taken over. When the processing role runs in a child
// process (runtime.processing: process) the file also names the child: after a kill -9 of the owner
// the child notices within moments and exits, but until then it still holds the store, so the next
// start waits for it (briefly) instead of failing on DuckDB's own lock.
import { open, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ClickflowError } from '../core/errors.ts'

/** A held lock. */
export interface DataDirLock {
  /** Names the owner's processing child in the lock file (null: none runs now). */
  recordChild(pid: number | null): Promise<void>
  release(): Promise<void>
}

/** Options of {@link lockDataDir}. */
export interface LockOptions {
  /** Longest wait for the processing child of a dead owner to exit (default 10 s). */
  readonly childWaitMs?: number
  /** Told once when the lock waits for such a child. */
  readonly onWait?: (childPid: number) => void
}

/** The name the processing child's entry has on its command line (see processing-child.ts). */
export const PROCESSING_CHILD_MARK = 'processing-child'

const DEFAULT_CHILD_WAIT_MS = 10_000
const POLL_MS = 50

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Whether `pid` still runs as a clickflow processing child. On Linux its command line must name the
 * child's entry, so a pid reused since a power loss by something else does not block the start (an
 * exited child not yet reaped, a zombie, has an empty one and counts as gone).
 */
async function childAlive(pid: number): Promise<boolean> {
  if (!alive(pid)) return false
  if (process.platform !== 'linux') return true
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => null)
  return cmdline === null ? alive(pid) : cmdline.includes(PROCESSING_CHILD_MARK)
}

/** The lock file's text: the owner's pid, then `child <pid>` while a processing child runs. */
function lockText(childPid: number | null): string {
  return `${process.pid}\n${childPid === null ? '' : `child ${childPid}\n`}`
}

function parseLock(text: string): { owner: number; child: number | null } {
  const [first = '', ...rest] = text.split('\n')
  const child = rest.map((l) => /^child (\d+)$/.exec(l.trim())).find((m) => m)
  return { owner: Number(first.trim()), child: child ? Number(child[1]) : null }
}

/** Takes the lock of `dataDir`; throws `data_dir_locked` if a live process holds it. */
export async function lockDataDir(dataDir: string, options: LockOptions = {}): Promise<DataDirLock> {
  const path = join(dataDir, 'clickflow.lock')
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, 'wx')
      await fh.writeFile(lockText(null))
      await fh.sync()
      await fh.close()
      return {
        // Written aside and renamed, so a concurrent start never reads a half-written file.
        recordChild: async (pid) => {
          await writeFile(`${path}.tmp`, lockText(pid))
          await rename(`${path}.tmp`, path)
        },
        release: () => rm(path, { force: true }),
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const { owner, child } = parseLock(await readFile(path, 'utf8').catch(() => ''))
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
        throw new ClickflowError(
          'data_dir_locked',
          `another clickflow (pid ${owner}) is using ${dataDir}; stop it or choose another --data-dir`,
        )
      }
      if (child !== null) await waitForChild(child, dataDir, options)
      await rm(path, { force: true })
    }
  }
  throw new ClickflowError('data_dir_locked', `could not lock ${dataDir}`)
}

/** Waits until the processing child of a dead owner has exited, or throws saying what to do. */
async function waitForChild(pid: number, dataDir: string, options: LockOptions): Promise<void> {
  if (!(await childAlive(pid))) return
  options.onWait?.(pid)
  const waitMs = options.childWaitMs ?? DEFAULT_CHILD_WAIT_MS
  const deadline = Date.now() + waitMs
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, POLL_MS))
    if (!(await childAlive(pid))) return
  }
  throw new ClickflowError(
    'data_dir_locked',
    `the processing child (pid ${pid}) of a clickflow that no longer runs still uses ${dataDir} ${waitMs / 1000} s later; it exits by itself when its parent dies, so it is stuck: end it (kill ${pid}, or kill -9 ${pid}) and start again`,
  )
}
