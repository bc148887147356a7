// The processing role gets the same young generation in both of its homes: a worker thread started
// with processingWorkerLimits and a child process started with processingChildExecArgv's flags both
// grow their new space past V8's default, to the same size.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { test } from 'node:test'
import { Worker } from 'node:worker_threads'
import {
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

function inChild(flags: readonly string[]): number {
  return Number(execFileSync(process.execPath, [...flags, '-e', `${PROBE}; console.log(max)`]).toString())
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

test("an operator's own semi-space flag is kept", () => {
  assert.deepEqual(processingChildExecArgv(['--import', 'tsx', '--max-semi-space-size=8']), [
    '--import',
    'tsx',
    '--max-semi-space-size=8',
  ])
  assert.deepEqual(processingChildExecArgv(['--import', 'tsx']), [
    '--import',
    'tsx',
    `--max-semi-space-size=${PROCESSING_SEMI_SPACE_MB}`,
  ])
})
