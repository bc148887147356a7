// The processing worker thread's entry: runs the processing role (processing-role.ts) on its own
// core, talking to the ingest thread over its parent port and the log's MessagePort.
import { type MessagePort, parentPort, workerData } from 'node:worker_threads'
import type { ProcessingWorkerData } from './messages.ts'
import { lowerThreadPriority } from './priority.ts'
import { runProcessingRole } from './processing-role.ts'

const data = workerData as ProcessingWorkerData & { logPort: MessagePort }

// Before anything runs here: when the cores are short, the ingest thread's acknowledgements win
// over processing, which catches up from the log afterwards (see priority.ts).
const lowered = lowerThreadPriority()

runProcessingRole(data, {
  kind: 'thread',
  control: parentPort!,
  logPort: data.logPort,
  lowered,
  // Ends this thread only; the ingest thread sees its 'exit'.
  exit: (code) => process.exit(code),
})
