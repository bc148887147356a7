// `clickflow import` interrupted by SIGKILL and run again: it resumes from its progress file, and
// after clickflow starts, every page view is stored exactly once (a batch appended just before the
// kill, but not yet in the progress file, is appended again with the same ids and flagged by dedupe).
// Also the exit codes of usage mistakes.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { accessLogTruth } from '../helpers/access-log-truth.ts'
import {
  killAll,
  pollUntil,
  REPO_ROOT,
  runCli,
  sqlNumber,
  start,
  tempDir,
} from '../helpers/clickflow-process.ts'
import { clickflowArgs } from '../helpers/compiled-cli.ts'

const LOG = join(import.meta.dirname, '..', '..', '..', 'shared', 'data', 'elastic_apache_logs_combined.log')
const COPIES = 8

describe('clickflow import, interrupted', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  after(async () => {
    await killAll()
    await dir?.remove()
  })

  test('SIGKILL mid-import, rerun: resumes, and the store holds every page view once', async () => {
    dir = await tempDir()
    // The real log several times over: the same text at other offsets is other lines (other ids).
    const big = join(dir.path, 'big.log')
    writeFileSync(big, Buffer.concat(Array(COPIES).fill(readFileSync(LOG))))
    const expected = [...accessLogTruth(LOG).days.values()].reduce((a, d) => a + d.views, 0) * COPIES
    const child = spawn(
      process.execPath,
      // Parsed on two workers; the rerun parses on its main thread (a small import): the lines read
      // again must get the same ids either way.
      clickflowArgs(['import', big, '--data-dir', dir.path, '--parse-threads', '2']),
      {
        cwd: REPO_ROOT,
        stdio: 'ignore',
      },
    )
    const ended = new Promise((r) => child.once('exit', r))
    const progress = join(dir.path, 'import', 'progress.json')
    assert.ok(await pollUntil(async () => existsSync(progress), 60_000), 'no progress was recorded')
    child.kill('SIGKILL')
    await ended
    const offset = Object.values(
      JSON.parse(readFileSync(progress, 'utf8')).files as Record<string, { offset: number }>,
    )[0]!.offset
    const rerun = await runCli(['import', big, '--data-dir', dir.path])
    assert.equal(rerun.code, 0, rerun.stderr)
    const summary = JSON.parse(rerun.stdout) as { lines: number; imported: number }
    assert.ok(
      summary.lines < 10_000 * COPIES,
      `the rerun started over (${summary.lines} lines; killed at byte ${offset})`,
    )
    const cf = await start(dir.path)
    let stored = 0
    const done = await pollUntil(async () => {
      stored = await sqlNumber(cf.adminUrl, 'SELECT count(*) FROM events')
      return stored >= expected
    }, 60_000)
    assert.ok(done, `${stored} of ${expected}`)
    await new Promise((r) => setTimeout(r, 500))
    assert.equal(await sqlNumber(cf.adminUrl, 'SELECT count(*) FROM events'), expected)
    assert.equal(await sqlNumber(cf.adminUrl, 'SELECT count(DISTINCT event_id) FROM events'), expected)
    assert.equal((await cf.stop()).code, 0, cf.stderr())
  })

  test('usage mistakes exit 2 with a sentence', async () => {
    const d = await tempDir()
    try {
      for (const args of [
        ['import', join(d.path, 'missing.log')],
        ['import', LOG, '--format', 'xml'],
        ['import', LOG, '--parser', '{not json'],
        ['import', LOG, '--parse-threads', 'two'],
      ]) {
        const r = await runCli([...args, '--data-dir', d.path])
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
        assert.match(r.stderr, /^clickflow: /)
      }
    } finally {
      await d.remove()
    }
  })
})
