// The IPC port's bulk lane: frames survive any split of the byte stream, and over a real child
// process every transferred chunk arrives byte for byte in its message, with messages without bulk
// delivered alongside.
import assert from 'node:assert/strict'
import { fork } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import type { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { frameReader, ipcPort } from './ipc-port.ts'

/** One frame as the sender writes it (see writeFrame). */
function frame(chunks: readonly Buffer[]): Buffer {
  const header = Buffer.alloc(4 * (chunks.length + 1))
  header.writeUInt32LE(chunks.length, 0)
  for (let i = 0; i < chunks.length; i++) header.writeUInt32LE(chunks[i]!.length, 4 * (i + 1))
  return Buffer.concat([header, ...chunks])
}

test('frames are read back whole however the stream is split', () => {
  const frames = [
    [Buffer.from('abc'), Buffer.alloc(0), randomBytes(70_000)],
    [],
    [randomBytes(5)],
    [Buffer.alloc(0)],
  ]
  const stream = Buffer.concat(frames.map(frame))
  for (const step of [1, 3, 4, 7, 4096, stream.length]) {
    const got: Buffer[][] = []
    const read = frameReader((f) => got.push(f))
    for (let at = 0; at < stream.length; at += step) read(stream.subarray(at, at + step))
    assert.deepEqual(
      got.map((f) => f.map((c) => c.toString('hex'))),
      frames.map((f) => f.map((c) => c.toString('hex'))),
      `read in pieces of ${step} bytes`,
    )
  }
})

const CHILD = `
import { Socket } from 'node:net'
import { createHash } from 'node:crypto'
const { ipcPort } = await import(process.env.IPC_PORT_MODULE)
const lane = new Socket({ fd: 4, readable: true, writable: false })
const port = ipcPort(process, 'log', { in: lane })
port.on('message', (m) => {
  const chunks = m.chunks ?? []
  process.send({ ch: 'log', m: { id: m.id, note: m.note, sums: chunks.map((c) => createHash('sha256').update(c).digest('hex')) } })
  if (m.last) setImmediate(() => process.exit(0))
})
`

test('transferred chunks go through the bulk lane to a child process, byte for byte', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ipc-port-'))
  try {
    const script = join(dir, 'child.mjs')
    await writeFile(script, CHILD)
    const child = fork(script, [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc', 'pipe'],
      env: { ...process.env, IPC_PORT_MODULE: new URL('./ipc-port.ts', import.meta.url).href },
      execArgv: ['--import', 'tsx'],
    })
    const sent = new Map<number, string[]>()
    const lane = child.stdio[4] as Socket
    // The child's end closes when it exits.
    lane.on('error', () => {})
    const port = ipcPort(child, 'log', { out: lane })
    const answers = new Map<number, { note?: string; sums: string[] }>()
    let allAnswered: () => void = () => {}
    const answered = new Promise<void>((resolve) => {
      allAnswered = resolve
    })
    port.on('message', (m: { id: number; note?: string; sums: string[] }) => {
      answers.set(m.id, m)
      if (answers.size === 2 * sent.size) allAnswered()
    })
    const exited = new Promise((resolve) => child.once('exit', resolve))
    const sizes = [[0], [1, 70_000], [3 << 20], [], [100, 0, 200]]
    let id = 0
    for (const s of sizes) {
      const chunks = s.map((n) => randomBytes(n))
      sent.set(
        ++id,
        chunks.map((c) => createHash('sha256').update(c).digest('hex')),
      )
      // Each chunk a view into a larger buffer, as read answers are.
      const views = chunks.map((c) => {
        const backing = Buffer.alloc(c.length + 16)
        c.copy(backing, 8)
        return backing.subarray(8, 8 + c.length)
      })
      port.postMessage(
        { id, chunks: views },
        views.map((v) => v.buffer),
      )
      // A message without bulk in between.
      port.postMessage({ id: 1000 + id, note: 'plain' })
    }
    await answered
    port.postMessage({ id: 9999, last: true })
    await exited
    for (const [i, sums] of sent) assert.deepEqual(answers.get(i)?.sums, sums, `message ${i}`)
    // The bytes went through the lane, not the IPC pipe.
    const bulkBytes = sizes.flat().reduce((a, b) => a + b, 0)
    assert.ok(lane.bytesWritten >= bulkBytes, `${lane.bytesWritten} bytes on the lane, ${bulkBytes} sent`)
    for (let i = 1; i <= sizes.length; i++) assert.equal(answers.get(1000 + i)?.note, 'plain')
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
