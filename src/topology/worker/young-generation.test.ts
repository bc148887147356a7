// The processing role gets the same young generation in both of its homes: a worker thread started
// with processingWorkerLimits and a child process started with processingChildExecArgv's flags both
// grow their new space past V8's default, to the same size. The collector's process gets a smaller
// one (through NODE_OPTIONS, which its processing child's own flag overrides) and a capped old
// generation; a semi-space on node's command line is the operator's for both processes.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { test } from 'node:test'
import { Worker } from 'node:worker_threads'
import {
  COLLECTOR_NODE_OPTIONS,
  COLLECTOR_SEMI_SPACE_MB,
  PROCESSING_SEMI_SPACE_MB,
  processingChildExecArgv,
  processingWorkerLimits,
} from './young-generation.ts'

/** Allocates short-lived garbage with a large live set; prints the largest new space seen (bytes). */
const PROBE = `
const v8 = require('node:v8')
let keep = []
let max = 0
for (let i = 0; i < 3e6; i++) {
  keep.push({ a: i, b: 'x' + i })
  if (keep.length > 300000) keep = []
  if (i % 10000 === 0) max = Math.max(max, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size)
}
`

function inWorker(limits?: typeof processingWorkerLimits): Promise<number> {
  return new Promise((resolve, reject) => {
    const w = new Worker(`${PROBE}; require('node:worker_threads').parentPort.postMessage(max)`, {
      eval: true,
      ...(limits ? { resourceLimits: limits } : {}),
    })
    w.once('message', resolve)
    w.once('error', reject)
  })
}

function inChild(flags: readonly string[], nodeOptions?: string): number {
  const env = { ...process.env, NODE_OPTIONS: nodeOptions ?? '' }
  return Number(
    execFileSync(process.execPath, [...flags, '-e', `${PROBE}; console.log(max)`], { env }).toString(),
  )
}

test('the worker thread and the child process get the same, larger young generation', async () => {
  const worker = await inWorker(processingWorkerLimits)
  const child = inChild(processingChildExecArgv([]))
  const defaultWorker = await inWorker()
  // V8 reports both semi-spaces.
  assert.equal(worker, 2 * PROCESSING_SEMI_SPACE_MB * 2 ** 20)
  assert.equal(child, worker)
  assert.ok(defaultWorker < worker, `default ${defaultWorker} vs ${worker}`)
})

test("a semi-space on node's command line is the operator's for both processes: the child keeps it", () => {
  // Whatever the value: the collector's own small one included (8 was once dropped by its value).
  for (const flag of ['--max-semi-space-size=32', `--max-semi-space-size=${COLLECTOR_SEMI_SPACE_MB}`])
    assert.deepEqual(processingChildExecArgv(['--import', 'tsx', flag]), ['--import', 'tsx', flag])
  assert.deepEqual(processingChildExecArgv(['--import', 'tsx']), [
    '--import',
    'tsx',
    `--max-semi-space-size=${PROCESSING_SEMI_SPACE_MB}`,
  ])
})

test("the collector's NODE_OPTIONS give it a smaller young generation than V8's default, and its child (which inherits them) the processing role's", () => {
  const collector = inChild([], COLLECTOR_NODE_OPTIONS)
  const byDefault = inChild([])
  assert.equal(collector, 2 * COLLECTOR_SEMI_SPACE_MB * 2 ** 20)
  assert.ok(collector < byDefault, `collector ${collector} vs default ${byDefault}`)
  // The collector's command line has no semi-space (it came through NODE_OPTIONS), and the child
  // runs with the environment it inherits: its own command-line flag wins.
  const child = inChild(processingChildExecArgv([]), COLLECTOR_NODE_OPTIONS)
  assert.equal(child, 2 * PROCESSING_SEMI_SPACE_MB * 2 ** 20)
})

/**
 * Keeps ~50 MB alive and churns objects that are promoted before they die; prints the largest old
 * space seen (MB). With `limit`, the process first calls limitCollectorHeapGrowth.
 */
const GROWTH_PROBE = `
const v8 = require('node:v8')
const live = Array.from({ length: 200000 }, (_, i) => ({ i, s: 'live' + i }))
const ring = new Array(400000)
let max = 0
for (let i = 0; i < 6e6; i++) {
  ring[i % ring.length] = { a: i, b: 'x' + i }
  if (i % 10000 === 0) max = Math.max(max, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_size)
}
console.log(live.length > 0 ? max / 2 ** 20 : 0)
`

function oldSpacePeakMb(limit: boolean): number {
  const module = new URL('./young-generation.ts', import.meta.url).href
  const code = limit
    ? `import(${JSON.stringify(module)}).then((m) => { m.limitCollectorHeapGrowth(); ${GROWTH_PROBE} })`
    : GROWTH_PROBE
  return Number(execFileSync(process.execPath, ['--import', 'tsx', '-e', code]).toString())
}

test("the collector's old generation stays near its live size between full collections", () => {
  const limited = oldSpacePeakMb(true)
  const byDefault = oldSpacePeakMb(false)
  // ~50 MB live: V8's default let promoted garbage grow the space to ~4x that, the limit to ~1.5x.
  assert.ok(limited < 0.75 * byDefault, `limited ${limited} MB vs default ${byDefault} MB`)
})
