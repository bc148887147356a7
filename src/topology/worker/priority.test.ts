// The processing worker's lower priority is its own thread's: the thread that lowers it runs at the
// new niceness, the thread that started it keeps its own.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { getPriority } from 'node:os'
import { test } from 'node:test'
import { Worker } from 'node:worker_threads'

/** Niceness of one thread of this process, from /proc (field 19 of its stat). */
function threadNiceness(tid: number): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])
}

test('lowerThreadPriority lowers the calling thread only', {
  skip: process.platform !== 'linux',
}, async () => {
  const before = getPriority(0)
  const moduleUrl = new URL('./priority.ts', import.meta.url).href
  // The worker loads the TypeScript module through tsx, lowers itself, and stays alive until asked,
  // so its niceness can be read from outside while it runs.
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads')
     const { readlinkSync } = require('node:fs')
     ;(async () => {
       const { register } = await import('tsx/esm/api')
       register()
       const { lowerThreadPriority, PROCESSING_NICENESS } = await import(${JSON.stringify(moduleUrl)})
       const lowered = lowerThreadPriority()
       const tid = Number(readlinkSync('/proc/thread-self').split('/').pop())
       parentPort.postMessage({ lowered, tid, niceness: PROCESSING_NICENESS })
       parentPort.once('message', () => process.exit(0))
     })()`,
    { eval: true },
  )
  try {
    const m = await new Promise<{ lowered: boolean; tid: number; niceness: number }>((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
    })
    assert.equal(m.lowered, true)
    assert.equal(m.niceness, 10)
    assert.equal(threadNiceness(m.tid), m.niceness)
    assert.equal(getPriority(0), before, 'the starting thread keeps its priority')
    assert.equal(threadNiceness(process.pid), before, 'the main thread keeps its priority')
  } finally {
    worker.postMessage('exit')
    await new Promise((r) => worker.once('exit', r))
  }
})
