// Ingest before processing: the processing worker lowers its own thread's CPU priority so that, when
// the two cores are short, the collector's thread (and with it the 2xx of every request) runs first;
// the pipeline catches up afterwards from the durable log, which is its buffer.
import { setPriority } from 'node:os'

/** Niceness of the processing worker's thread (0 is normal, 19 the lowest priority). */
export const PROCESSING_NICENESS = 10

/**
 * Lowers the calling thread's priority to `niceness`. On Linux a priority belongs to a thread, not to
 * the process (setpriority with pid 0 changes only the caller), so the ingest thread keeps its own.
 * What this covers is the worker's JavaScript: the pipeline's transforms and the DuckDB appender's
 * synchronous flushes. DuckDB's own threads and libuv's thread pool (where DuckDB's asynchronous
 * calls run, and the log's writes and fsyncs) are started by other threads and keep their normal
 * priority. Returns false where the system refuses it (nothing else depends on it).
 */
export function lowerThreadPriority(niceness: number = PROCESSING_NICENESS): boolean {
  try {
    setPriority(0, niceness)
    return true
  } catch {
    return false
  }
}
