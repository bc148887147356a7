// The data dir lock and a processing child: a dead owner's child that still runs is waited for, a
// stuck one is reported with its pid, and a pid that no longer is a clickflow child does not block.
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { ClickflowError } from '../core/errors.ts'
import { lockDataDir, PROCESSING_CHILD_MARK } from './data-dir-lock.ts'

const running = new Set<ChildProcess>()
after(() => {
  for (const p of running) p.kill('SIGKILL')
})

/** A process that sleeps until killed; `mark` on its command line makes it look like a processing child. */
async function sleeper(mark: boolean): Promise<ChildProcess> {
  const p = spawn(
    process.execPath,
    ['-e', 'setInterval(() => {}, 1000)', ...(mark ? [PROCESSING_CHILD_MARK] : [])],
    {
      stdio: 'ignore',
    },
  )
  running.add(p)
  p.once('exit', () => running.delete(p))
  await new Promise((r) => p.once('spawn', r))
  return p
}

/** A pid that no longer runs: one of a process that has exited (and was reaped). */
async function deadPid(): Promise<number> {
  const p = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
  await new Promise((r) => p.once('exit', r))
  return p.pid!
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'clickflow-lock-'))
  try {
    await fn(dir)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

test('the lock names the child while one runs', () =>
  withDir(async (dir) => {
    const lock = await lockDataDir(dir)
    await lock.recordChild(4242)
    assert.equal(await readFile(join(dir, 'clickflow.lock'), 'utf8'), `${process.pid}\nchild 4242\n`)
    await lock.recordChild(null)
    assert.equal(await readFile(join(dir, 'clickflow.lock'), 'utf8'), `${process.pid}\n`)
    await lock.release()
  }))

test('a live owner still refuses the lock', () =>
  withDir(async (dir) => {
    const owner = await sleeper(false)
    await writeFile(join(dir, 'clickflow.lock'), `${owner.pid}\n`)
    await assert.rejects(lockDataDir(dir), (err: ClickflowError) => {
      assert.equal(err.code, 'data_dir_locked')
      assert.match(err.message, new RegExp(`pid ${owner.pid}`))
      return true
    })
  }))

test("a dead owner's child that still runs is waited for", () =>
  withDir(async (dir) => {
    const child = await sleeper(true)
    await writeFile(join(dir, 'clickflow.lock'), `${await deadPid()}\nchild ${child.pid}\n`)
    const waited: number[] = []
    const locking = lockDataDir(dir, { childWaitMs: 60_000, onWait: (pid) => waited.push(pid) })
    // The lock is not taken while the child runs; it is once the child is gone.
    const first = await Promise.race([
      locking.then(() => 'locked'),
      new Promise((r) => setTimeout(r, 300, 'waiting')),
    ])
    assert.equal(first, 'waiting')
    child.kill('SIGKILL')
    const lock = await locking
    assert.deepEqual(waited, [child.pid])
    assert.equal(await readFile(join(dir, 'clickflow.lock'), 'utf8'), `${process.pid}\n`)
    await lock.release()
  }))

test('a child that does not go is reported with its pid and what to do', () =>
  withDir(async (dir) => {
    const child = await sleeper(true)
    await writeFile(join(dir, 'clickflow.lock'), `${await deadPid()}\nchild ${child.pid}\n`)
    await assert.rejects(lockDataDir(dir, { childWaitMs: 200 }), (err: ClickflowError) => {
      assert.ok(err instanceof ClickflowError)
      assert.equal(err.code, 'data_dir_locked')
      assert.match(err.message, new RegExp(`processing child \\(pid ${child.pid}\\).*kill ${child.pid}`))
      return true
    })
  }))

test(
  'a pid now used by something else does not block the start',
  {
    skip: process.platform !== 'linux',
  },
  () =>
    withDir(async (dir) => {
      const other = await sleeper(false)
      await writeFile(join(dir, 'clickflow.lock'), `${await deadPid()}\nchild ${other.pid}\n`)
      const waited: number[] = []
      const lock = await lockDataDir(dir, { childWaitMs: 60_000, onWait: (pid) => waited.push(pid) })
      assert.deepEqual(waited, [])
      await lock.release()
    }),
)
