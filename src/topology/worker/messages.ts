// The control messages between the ingest side (sources, log) and the processing role, in a worker
// thread (over its parent port) or in a child process (over the IPC pipe's `control` channel).
import type { ConfigOverrides } from '../../config/load.ts'
import type { WireError } from '../../log/remote/log-rpc.ts'

/** What the processing role is started with (a worker's workerData; a child's `start` message). */
export interface ProcessingWorkerData {
  /** The entry boot.mjs loads (the worker's; a child is given its own entry): `.js`, or `.ts` under tsx. */
  readonly entry: string
  /** The config text after ${ENV} interpolation, and the command-line overrides. */
  readonly configText: string
  readonly configOrigin: string
  readonly overrides: ConfigOverrides
}

/** Processing role -> ingest side. */
export type FromWorker =
  /** A child process is up and asks for its start data (a worker has it from the beginning). */
  | { readonly type: 'boot' }
  | { readonly type: 'ready'; readonly adminUrl: string }
  | {
      readonly type: 'failed'
      readonly error: WireError
      readonly issues?: readonly { path: string; message: string }[]
    }
  | { readonly type: 'stopped' }
  | { readonly type: 'metrics'; readonly id: number }

/** Ingest side -> processing role. */
export type ToWorker =
  | { readonly type: 'start'; readonly data: ProcessingWorkerData }
  | { readonly type: 'ingest'; readonly running: boolean }
  | { readonly type: 'stop'; readonly drainMs: number }
  | { readonly type: 'metrics'; readonly id: number; readonly json: unknown }

/** The IPC channels of a processing child: control messages, the log RPC, the admin socket. */
export const IPC_CONTROL = 'control'
export const IPC_LOG = 'log'
export const IPC_ADMIN = 'admin'

/**
 * Channel `admin` (admin-socket.ts): the child asks for the admin listener's socket (`listen`); the
 * parent sends it (`listener`), and then each connection it accepted itself (`connection`), each
 * with its handle as the send's second argument; the child confirms each connection (`accepted`).
 */
export type AdminMessage =
  | { readonly type: 'listen' }
  | { readonly type: 'listener' }
  | { readonly type: 'connection'; readonly id: number }
  | { readonly type: 'accepted'; readonly id: number }
/** The child's fd of the log's bulk lane (ipc-port.ts): the parent writes read answers' bytes to it. */
export const BULK_LANE_FD = 4

/** Whether `raw` (a message of the IPC pipe) is one of the admin channel. */
export function isAdmin(raw: unknown): raw is { ch: string; m: AdminMessage } {
  return (
    typeof raw === 'object' &&
    raw !== null &&
    (raw as { ch?: unknown }).ch === IPC_ADMIN &&
    typeof (raw as { m?: { type?: unknown } }).m?.type === 'string'
  )
}
