// The control messages between the ingest thread (sources, log) and the processing worker.
import type { ConfigOverrides } from '../../config/load.ts'
import type { WireError } from '../../log/remote/log-rpc.ts'

/** What the worker is started with (workerData). */
export interface ProcessingWorkerData {
  /** The TypeScript entry boot.mjs loads. */
  readonly entry: string
  /** The config text after ${ENV} interpolation, and the command-line overrides. */
  readonly configText: string
  readonly configOrigin: string
  readonly overrides: ConfigOverrides
}

/** Worker -> ingest thread. */
export type FromWorker =
  | { readonly type: 'ready'; readonly adminUrl: string }
  | {
      readonly type: 'failed'
      readonly error: WireError
      readonly issues?: readonly { path: string; message: string }[]
    }
  | { readonly type: 'stopped' }
  | { readonly type: 'metrics'; readonly id: number }

/** Ingest thread -> worker. */
export type ToWorker =
  | { readonly type: 'ingest'; readonly running: boolean }
  | { readonly type: 'stop'; readonly drainMs: number }
  | { readonly type: 'metrics'; readonly id: number; readonly json: unknown }
