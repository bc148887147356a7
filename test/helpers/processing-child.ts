// The processing child of a `runtime.processing: process` clickflow, as tests find and watch it:
// its PID from the data dir's lock file, and whether it still runs. Tests keep the PIDs they saw
// (`seen`) so an `after` hook can kill a child a failed test left behind.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DEFAULT_CONFIG_YAML } from '../../src/config/default-config.ts'

/** `clickflow start` arguments for the default topology in process mode (plus `extra` YAML), written in `dir`. */
export function processConfig(dir: string, extra = ''): string[] {
  const path = join(dir, 'process-mode.yaml')
  writeFileSync(path, `${DEFAULT_CONFIG_YAML}\nruntime:\n  processing: process\n${extra}`)
  return ['-c', path]
}

/** Processing children found so far, for a test's cleanup. */
export const seenChildren = new Set<number>()

/** The processing child the data dir's lock names (null when none). */
export function childPid(dataDir: string): number | null {
  const m = /^child (\d+)$/m.exec(readFileSync(join(dataDir, 'clickflow.lock'), 'utf8'))
  if (!m) return null
  seenChildren.add(Number(m[1]))
  return Number(m[1])
}

/** Whether `pid` runs: it exists and is not a zombie (an orphan's reaper may take its time). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}

/** Kills (SIGKILL) every child seen that still runs: for an `after` hook. */
export function killSeenChildren(): void {
  for (const pid of seenChildren) if (alive(pid)) process.kill(pid, 'SIGKILL')
}
