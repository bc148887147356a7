// A parse worker thread (parse-pool.ts): builds the formats it is told about, parses the chunks it
// is sent and answers each with its packed records, handing the record buffer over without a copy.
import { parentPort, workerData } from 'node:worker_threads'
import { lowerThreadPriority } from '../topology/worker/priority.ts'
import { visitorHasher } from './build-format.ts'
import { ChunkParser } from './chunk-parser.ts'
import type { FromParseWorker, ParseWorkerData, ToParseWorker } from './parse-pool.ts'

const data = workerData as ParseWorkerData
if (data.niceness > 0) lowerThreadPriority(data.niceness)
const port = parentPort!
const visitorOf = await visitorHasher(data.visitorKeyFile)
const parsers = new Map<number, ChunkParser>()

port.on('message', (m: ToParseWorker) => {
  if (m.type === 'format') {
    parsers.set(m.id, new ChunkParser(m.cfg, m.sourceId, visitorOf))
    return
  }
  let reply: FromParseWorker
  const transfer: ArrayBuffer[] = []
  try {
    const parser = parsers.get(m.format)
    if (parser === undefined) throw new Error(`unknown format ${m.format}`)
    const chunk = parser.parse(m.job)
    reply = { type: 'parsed', id: m.id, chunk }
    transfer.push(
      chunk.values.buffer as ArrayBuffer,
      chunk.ends.buffer as ArrayBuffer,
      chunk.times.buffer as ArrayBuffer,
    )
  } catch (err) {
    reply = { type: 'failed', id: m.id, message: (err as Error).stack ?? String(err) }
  }
  port.postMessage(reply, transfer)
})
port.postMessage({ type: 'ready' } satisfies FromParseWorker)
