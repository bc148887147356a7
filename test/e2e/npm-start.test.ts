// `npm start` as the README runs it: npm runs the build, then clickflow in place of the script's
// shell (`exec`), so a supervisor's SIGTERM to npm reaches clickflow, which stops cleanly and frees
// its ports. With `build && node ...` the shell stayed between them: npm and the shell died of the
// SIGTERM and clickflow kept running, orphaned, its ports held.
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { after, describe, test } from 'node:test'
import { pollUntil, post, REPO_ROOT, sql, tempDir } from '../helpers/clickflow-process.ts'

/** Whether process `pid` still exists (a zombie counts as gone). */
function alive(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ')
  } catch {
    return false
  }
}

/** The PIDs of `pid`'s children. */
function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number)
  } catch {
    return []
  }
}

describe('npm start under a supervisor', () => {
  let npm: ChildProcess | undefined
  let clickflowPid: number | undefined

  after(() => {
    // npm runs in a process group of its own: whatever it left running (an orphaned clickflow
    // keeps the group) goes with it.
    if (npm?.pid !== undefined) {
      try {
        process.kill(-npm.pid, 'SIGKILL')
      } catch {
        // Nothing left in the group.
      }
    }
    if (clickflowPid !== undefined && alive(clickflowPid)) process.kill(clickflowPid, 'SIGKILL')
  })

  test('SIGTERM to npm stops clickflow cleanly', async () => {
    const dir = await tempDir()
    try {
      npm = spawn(
        'npm',
        ['start', '--', '--data-dir', dir.path, '--collect-port', '0', '--admin-port', '0'],
        {
          cwd: REPO_ROOT,
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, CLICKFLOW_ADMIN_TOKEN: '' },
        },
      )
      let stdout = ''
      let stderr = ''
      npm.stdout!.setEncoding('utf8').on('data', (s: string) => {
        stdout += s
      })
      npm.stderr!.setEncoding('utf8').on('data', (s: string) => {
        stderr += s
      })
      const npmExit = new Promise<number | null>((r) => npm!.once('exit', (code) => r(code)))
      const running = await pollUntil(async () => /clickflow is running/.test(stderr), 60_000)
      assert.ok(running, `clickflow did not start under npm start:\n${stderr}`)
      const admin = /admin:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)![1]!
      const collect = /collector:\s+(\S+)/.exec(stderr)![1]!.replace('0.0.0.0', '127.0.0.1')
      // clickflow is npm's own child: no shell between them.
      const [child] = children(npm.pid!)
      assert.ok(child !== undefined, 'npm start has no child process')
      clickflowPid = child
      assert.match(readFileSync(`/proc/${child}/cmdline`, 'utf8'), /dist\/cli\/main\.js\0start/)
      const res = await post(collect, { events: [{ type: 'pageview', url: 'https://shop.example.com/npm' }] })
      assert.equal(res.status, 200)
      assert.ok(
        await pollUntil(
          async () => Number((await sql(admin, 'SELECT count(*) FROM events'))[0]![0]) === 1,
          30_000,
        ),
      )

      npm.kill('SIGTERM')
      await npmExit
      const stopped = await pollUntil(async () => !alive(child), 30_000)
      assert.ok(stopped, `clickflow (pid ${child}) outlived npm`)
      assert.match(stdout, /"msg":"clickflow stopped"/, `no clean stop in its log:\n${stdout.slice(-2000)}`)
    } finally {
      await dir.remove()
    }
  })
})
