// One clickflow per data directory: a lock file holding the owner's pid. A lock left by a process
// that no longer runs (kill -9, power loss) is taken over.
import { open, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { ClickflowError } from '../core/errors.ts'

/** A held lock. */
export interface DataDirLock {
  release(): Promise<void>
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Takes the lock of `dataDir`; throws `data_dir_locked` if a live process holds it. */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const path = join(dataDir, 'clickflow.lock')
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, 'wx')
      await fh.writeFile(String(process.pid))
      await fh.sync()
      await fh.close()
      return { release: () => rm(path, { force: true }) }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim())
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new ClickflowError(
          'data_dir_locked',
          `another clickflow (pid ${pid}) is using ${dataDir}; stop it or choose another --data-dir`,
        )
      }
      await rm(path, { force: true })
    }
  }
  throw new ClickflowError('data_dir_locked', `could not lock ${dataDir}`)
}
