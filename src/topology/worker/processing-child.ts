// The processing child process's entry (runtime.processing: process): runs the processing role
// (processing-role.ts) over the IPC pipe to the collector's process. The parent starts it, stops it
// and restarts it (processing-process.ts); this side only has to follow, and to go away by itself
// when the parent is gone, so the store and the data directory are free for the next start.
import { type Server, Socket } from 'node:net'
import type { SharedListener } from '../../api/admin-server.ts'
import { ipcPort } from '../../log/remote/ipc-port.ts'
import {
  type AdminMessage,
  BULK_LANE_FD,
  IPC_ADMIN,
  IPC_CONTROL,
  IPC_LOG,
  isAdmin,
  type ProcessingWorkerData,
  type ToWorker,
} from './messages.ts'
import { lowerThreadPriority } from './priority.ts'
import { type Role, runProcessingRole } from './processing-role.ts'

/** After the parent is gone: the longest the role may take to close the store before exiting anyway. */
const ABANDON_MS = 3_000

if (!process.send) {
  process.stderr.write('processing-child.ts runs only as the processing child of `clickflow start`\n')
  process.exit(2)
}

// The parent lowered this process's first thread already (threads started later inherit it);
// lowering again covers a parent that could not.
const lowered = lowerThreadPriority()
const control = ipcPort(process, IPC_CONTROL)
// The log's read answers arrive with their bytes on the bulk lane; unref'd, so only the IPC pipe
// keeps this process alive.
const lane = new Socket({ fd: BULK_LANE_FD, readable: true, writable: false })
lane.unref()
lane.on('error', () => {})
const logPort = ipcPort(process, IPC_LOG, { in: lane })

// The admin listener's socket is the parent's (admin-socket.ts): the admin server asks for it when
// it starts and accepts on it; connections the parent accepted itself come one by one, with their
// handles (so outside ipcPort, which carries messages only).
let listenerArrived: ((server: Server) => void) | null = null
let serveAdmin: ((socket: Socket) => void) | null = null
/** Connections accepted before the admin server took the socket over or registered. */
const early: Socket[] = []
const admit = (socket: Socket) => {
  if (serveAdmin) serveAdmin(socket)
  else early.push(socket)
}
process.on('message', (raw: unknown, handle: unknown) => {
  if (!isAdmin(raw)) return
  if (raw.m.type === 'listener' && handle) {
    const server = handle as Server
    // Node hands the socket over as a net.Server already accepting here; whatever it accepts before
    // the admin server takes the socket over is served all the same.
    server.on('connection', admit)
    listenerArrived?.(server)
  } else if (raw.m.type === 'connection') {
    // The parent keeps its descriptor of the connection until this one is confirmed.
    const accepted: { ch: string; m: AdminMessage } = { ch: IPC_ADMIN, m: { type: 'accepted', id: raw.m.id } }
    process.send!(accepted, undefined, undefined, () => {})
    // No handle: the client went away while the connection was on its way.
    if (handle) admit(handle as Socket)
  }
})
const adminListener: SharedListener = {
  listener: () =>
    new Promise((resolve) => {
      listenerArrived = resolve
      const ask: { ch: string; m: AdminMessage } = { ch: IPC_ADMIN, m: { type: 'listen' } }
      // The callback keeps a send racing the pipe's close from becoming an 'error' event.
      process.send!(ask, undefined, undefined, () => {})
    }),
  onConnection: (serve) => {
    serveAdmin = serve
    for (const socket of early.splice(0)) serve(socket)
  },
}

// A Ctrl+C in a terminal signals the whole process group, this child included: the stop belongs to
// the parent, which drains the pipeline through the `stop` message (and a second Ctrl+C ends the
// parent, which this child then notices as a disconnect).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => {})

// The parent is gone (exit, crash, kill -9), and the log it served with it. Whatever runs stops
// without a drain and this process exits, so the store's lock and the data directory are free for
// an immediate restart; a store that takes too long to close is left to DuckDB's recovery.
let role: Role | null = null
process.once('disconnect', () => {
  try {
    role?.logger()?.warn("the collector's process is gone; the processing child stops")
  } catch {
    // The shared stdout may have gone with the parent (EPIPE): stopping matters more than the line.
  }
  setTimeout(() => process.exit(1), ABANDON_MS).unref()
  ;(role ? role.abandon() : Promise.resolve()).finally(() => process.exit(1))
})

const data = await new Promise<ProcessingWorkerData>((resolve) => {
  control.on('message', (m: ToWorker) => {
    if (m.type === 'start') resolve(m.data)
  })
  control.postMessage({ type: 'boot' })
})

role = runProcessingRole(data, {
  kind: 'process',
  control,
  logPort,
  lowered,
  adminListener,
  exit: (code) => process.exit(code),
})
// A role that could not start has sent the parent its error (`failed`); nothing more to do here.
if (!(await role.ready)) setImmediate(() => process.exit(1))
