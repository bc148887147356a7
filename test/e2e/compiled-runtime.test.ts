// clickflow runs as compiled JavaScript, with no TypeScript loader in any process or thread: the
// built product (bin/, dist/, the tag's build module, package.json) is copied into a folder whose
// node_modules has every dependency but tsx, and run from there. Any process or thread that still
// registered tsx (bin/clickflow.js, boot.mjs in the processing worker thread, the processing child
// process, a parse worker) would fail to import it and the start or import would fail. Each process
// must also run its compiled entry (from /proc/PID/cmdline) with no `--import tsx` flag.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import {
  type CliPlace,
  killAll,
  pollUntil,
  post,
  REPO_ROOT,
  runCli,
  sqlNumber,
  start,
  tempDir,
} from '../helpers/clickflow-process.ts'
import { ensureBuilt } from '../helpers/compiled-cli.ts'
import { childPid, killSeenChildren, processConfig } from '../helpers/processing-child.ts'

const LOG = join(REPO_ROOT, '..', 'shared', 'data', 'elastic_apache_logs_combined.log')
const STORED_WITHIN_MS = 60_000

/** The command line of process `pid`, from /proc. */
function commandLine(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)
}

/**
 * Copies the built product into `dir`: what an installation runs (bin/, dist/, tag/build.js,
 * package.json), the sources the tag and the dashboard are bundled from at start (linked), and a
 * node_modules that links every installed package except tsx.
 */
function productWithoutTsx(dir: string): void {
  for (const path of ['bin', 'dist', 'package.json', 'tag/build.js']) {
    cpSync(join(REPO_ROOT, path), join(dir, path), { recursive: true })
  }
  symlinkSync(join(REPO_ROOT, 'tag', 'src'), join(dir, 'tag', 'src'))
  symlinkSync(join(REPO_ROOT, 'dashboard'), join(dir, 'dashboard'))
  mkdirSync(join(dir, 'node_modules'))
  for (const name of readdirSync(join(REPO_ROOT, 'node_modules'))) {
    if (name === 'tsx' || name.startsWith('.')) continue
    symlinkSync(join(REPO_ROOT, 'node_modules', name), join(dir, 'node_modules', name))
  }
}

describe('the compiled product runs without tsx', () => {
  let product: Awaited<ReturnType<typeof tempDir>>
  let data: Awaited<ReturnType<typeof tempDir>>
  let place: CliPlace
  // NODE_OPTIONS could carry an `--import tsx` of the caller's: the product must run without it.
  const env = { NODE_OPTIONS: '' }

  before(async () => {
    ensureBuilt()
    product = await tempDir('clickflow-no-tsx-')
    data = await tempDir()
    productWithoutTsx(product.path)
    place = { root: product.path }
  })
  after(async () => {
    await killAll()
    killSeenChildren()
    await product?.remove()
    await data?.remove()
  })

  test('tsx cannot be imported there (else this test could not fail)', () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', "await import('tsx/esm/api')"], {
      cwd: product.path,
      encoding: 'utf8',
    })
    assert.notEqual(r.status, 0)
    assert.match(r.stderr, /Cannot find package 'tsx'/)
  })

  test('process mode: the collector and the processing child run compiled, and events are stored', async () => {
    const dir = join(data.path, 'process-mode')
    mkdirSync(dir)
    const cf = await start(dir, processConfig(dir), env, place)
    const child = childPid(dir)
    assert.ok(child, 'no processing child in the lock file')
    const parent = commandLine(cf.pid)
    assert.ok(parent[1]?.startsWith(join(product.path, 'bin', 'clickflow.js')), parent.join(' '))
    assert.ok(!parent.includes('tsx'), `the collector runs with tsx: ${parent.join(' ')}`)
    const childArgs = commandLine(child)
    assert.ok(!childArgs.includes('tsx'), `the processing child runs with tsx: ${childArgs.join(' ')}`)
    assert.ok(
      childArgs.includes(`file://${join(product.path, 'dist', 'topology', 'worker', 'processing-child.js')}`),
      `the processing child's entry is not the compiled one: ${childArgs.join(' ')}`,
    )
    const events = Array.from({ length: 20 }, (_, i) => ({
      event_id: `compiled-${i}`,
      type: 'pageview',
      url: `https://compiled.example.com/p/${i}`,
    }))
    const res = await post<{ accepted: number }>(cf.collectUrl, { events })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.ok(
      await pollUntil(
        async () => (await sqlNumber(cf.adminUrl, 'SELECT count(*) FROM events')) === 20,
        STORED_WITHIN_MS,
      ),
      'the processing child did not store the events',
    )
    // The tag and the dashboard are bundled at start from their sources by the compiled modules.
    assert.equal((await fetch(new URL('/tag.js', cf.collectUrl))).status, 200)
    assert.equal((await fetch(cf.adminUrl)).status, 200)
    assert.deepEqual(await cf.stop(), { code: 0, signal: null })
  })

  test('thread mode: the processing worker thread runs compiled', async () => {
    const dir = join(data.path, 'thread-mode')
    mkdirSync(dir)
    const cf = await start(dir, [], env, place)
    await post(cf.collectUrl, {
      events: [{ event_id: 'thread-1', type: 'pageview', url: 'https://t.example/' }],
    })
    assert.ok(
      await pollUntil(
        async () => (await sqlNumber(cf.adminUrl, 'SELECT count(*) FROM events')) === 1,
        STORED_WITHIN_MS,
      ),
      'the processing worker did not store the event',
    )
    assert.deepEqual(await cf.stop(), { code: 0, signal: null })
  })

  test('without the build, bin/clickflow.js says what to run and exits 1', async () => {
    const bare = join(data.path, 'not-built')
    for (const path of ['bin', 'package.json'])
      cpSync(join(REPO_ROOT, path), join(bare, path), { recursive: true })
    const r = await runCli(['--help'], env, { root: bare })
    assert.equal(r.code, 1)
    assert.match(r.stderr, /the compiled CLI \(.*dist\/cli\/main\.js\) is missing; run `npm run build`/)
  })

  test('clickflow import parses on two compiled parse workers', async () => {
    const dir = join(data.path, 'import')
    const r = await runCli(['import', LOG, '--data-dir', dir, '--parse-threads', '2'], env, place)
    assert.equal(r.code, 0, r.stderr)
    const summary = JSON.parse(r.stdout) as { lines: number; imported: number }
    assert.equal(summary.lines, 10_000)
    assert.ok(summary.imported > 0, r.stdout)
  })
})
