// Crash safety of the segment log: a child process appends under load and reports each
// acknowledged append; the parent kills it with SIGKILL at a random moment, 20 times over the same
// directory. After each kill, recovery must give back every acknowledged record exactly once, with
// each appender's records in order within their partition.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { after, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { openTestLog, readAll, removeTempDirs, tempDir } from '../../src/log/segment-log/testing.ts'
import { createLogger } from '../../src/telemetry/logger.ts'

const KILLS = 20
const child = fileURLToPath(new URL('./append-child.ts', import.meta.url))
after(removeTempDirs)

/** Runs the child until `killAfterMs` after its first ack, SIGKILLs it, and returns the acked ids. */
async function runAndKill(dir: string, run: number, killAfterMs: number): Promise<string[]> {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, dir, String(run)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  proc.stderr.on('data', (d) => {
    stderr += d
  })
  const acked: string[] = []
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    proc.on('exit', (_code, signal) => resolve(signal)),
  )
  let killTimer: NodeJS.Timeout | undefined
  for await (const line of createInterface({ input: proc.stdout })) {
    if (!line.startsWith('ack ')) continue
    acked.push(...line.slice(4).split(' '))
    killTimer ??= setTimeout(() => proc.kill('SIGKILL'), killAfterMs)
  }
  const signal = await exited
  clearTimeout(killTimer)
  assert.equal(signal, 'SIGKILL', `the child died on its own: ${stderr}`)
  return acked
}

test(`every acknowledged record survives ${KILLS} SIGKILLs, exactly once and in order`, async (t) => {
  const dir = join(await tempDir('clickflow-crash-'), 'log')
  const acked = new Set<string>()
  for (let run = 0; run < KILLS; run++) {
    const delay = Math.floor(Math.random() * 250)
    for (const id of await runAndKill(dir, run, delay)) acked.add(id)
    const log = await openTestLog(dir, { partitions: 3 }, createLogger({ level: 'silent' }))
    const seen = new Map<string, number>()
    for (let p = 0; p < 3; p++) {
      const last = new Map<string, number>() // appender -> last sequence seen in this partition
      for (const r of await readAll(log, 't', p)) {
        const id = r.value.toString().split('|')[0]!
        assert.ok(!seen.has(id), `record ${id} is in the log twice`)
        seen.set(id, p)
        const [runId, w, seq] = id.split(':')
        const appender = `${runId}:${w}`
        const s = Number(seq)
        assert.ok(
          (last.get(appender) ?? -1) <= s,
          `${id} comes after a later append of its appender in partition ${p}`,
        )
        last.set(appender, s)
      }
    }
    const missing = [...acked].filter((id) => !seen.has(id))
    assert.deepEqual(
      missing.slice(0, 5),
      [],
      `run ${run}: ${missing.length} acknowledged records are missing`,
    )
    await log.close()
    t.diagnostic(
      `run ${run}: killed ${delay} ms after the first ack; ${acked.size} acked, ${seen.size} in the log`,
    )
  }
})
