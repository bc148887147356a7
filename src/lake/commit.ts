// Atomic commits to a Delta log: the actions are written to a temp file and fsynced, then linked to
// the next `NNN.json` name, which fails if that name exists (create-if-absent, PROTOCOL.md
// "Commit Atomicity"). Readers therefore see a whole commit or none, and two writers racing for
// one version cannot both win.
import { randomUUID } from 'node:crypto'
import { link, mkdir, open, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { type Action, commitFileName, serializeCommit } from './actions.ts'
import { CommitConflictError } from './delta-errors.ts'

/** Points where tests stop a write on purpose (an injected error, or kill -9 of the process). */
export interface CommitFaults {
  /** After the data files are written, before anything goes into the log. */
  readonly afterDataFiles?: () => void | Promise<void>
  /** After the commit's temp file is durable, before it is linked to its version's name. */
  readonly afterTempCommit?: () => void | Promise<void>
}

/** Writes `data` to `path` and fsyncs it. */
export async function writeDurably(path: string, data: string, flag = 'w'): Promise<void> {
  const fh = await open(path, flag)
  try {
    await fh.writeFile(data)
    await fh.sync()
  } finally {
    await fh.close()
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

/** Creates version `version` with `actions`; throws CommitConflictError if it exists already. */
export async function commitVersion(
  logDir: string,
  version: number,
  actions: readonly Action[],
  faults: CommitFaults = {},
): Promise<void> {
  await mkdir(logDir, { recursive: true })
  const tmp = join(logDir, `.tmp-${commitFileName(version)}.${randomUUID()}`)
  await writeDurably(tmp, serializeCommit(actions), 'wx')
  try {
    await faults.afterTempCommit?.()
    try {
      await link(tmp, join(logDir, commitFileName(version)))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new CommitConflictError(version)
      throw err
    }
    await syncDir(logDir)
  } finally {
    await unlink(tmp).catch(() => undefined)
  }
}
