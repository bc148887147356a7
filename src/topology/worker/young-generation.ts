// Heap sizing of the two roles. The processing role (worker thread or child process) gets a large
// young generation; the collector's process a small one and a tight old generation, since its
// memory is what a collector host budgets (150 MB) and its live heap is small (~20 MB).
//
// Processing: the pipeline keeps a batch's events alive while its sinks write them (10,000 events
// by default, ~2 KB each with their strings, and the next batch read ahead): with V8's default
// 16 MB semi-space they outlive two scavenges, are promoted and later cost full collections; with
// 64 MB a batch dies young. Measured on the default topology's processing path and the processor
// alone: 5-10% less CPU per event, for up to ~100 MB more resident memory under a backlog (the
// space grows only as needed).
//
// Collector: promoted garbage (requests that waited through a slow fsync) piled up to ~3x the live
// old generation (~18 MB) before a full collection; growing the limit by 30% keeps it near its live
// size (process mode only, see limitCollectorHeapGrowth). V8's default young generation grows to
// 2 x 16 MB under load; 8 MB semi-spaces (COLLECTOR_NODE_OPTIONS) keep it at 16 MB, but a semi-space
// is fixed when the process starts, so it is the operator's launch setting (the README says when):
// in interleaved batch runs in process mode, peak RSS of the collector's process 164-169 -> 145-151
// MB, for 4.2-4.5 instead of 3.6-4.0 us of main-thread CPU per event (twice the scavenges) and
// 3,270 instead of 3,700-4,300 requests/s. Not for thread mode (the default), where the whole
// process holds the pipeline too and the collector has no memory budget of its own.
import { setFlagsFromString } from 'node:v8'

/** Semi-space of the processing role's heap, in MB (V8's default is 16). */
export const PROCESSING_SEMI_SPACE_MB = 64

/** Semi-space of the collector's process on a memory budget, in MB (see COLLECTOR_NODE_OPTIONS). */
export const COLLECTOR_SEMI_SPACE_MB = 8

/**
 * NODE_OPTIONS that start the collector's process with its small young generation (process mode on
 * a memory budget; bench:collect's process-mode side), and its alone: the processing child inherits
 * the environment, but the semi-space on its command line (processingChildExecArgv) wins over
 * NODE_OPTIONS. The same flag on node's command line is passed on, so it sets both processes.
 */
export const COLLECTOR_NODE_OPTIONS = `--max-semi-space-size=${COLLECTOR_SEMI_SPACE_MB}`

/** How far the collector's old generation may grow past its live size before a full collection. */
export const COLLECTOR_HEAP_GROWING_PERCENT = 30

/**
 * Worker-thread limits giving that semi-space: Node's young generation counts both semi-spaces and
 * the new large-object space, three semi-spaces in all.
 */
export const processingWorkerLimits = { maxYoungGenerationSizeMb: 3 * PROCESSING_SEMI_SPACE_MB }

/**
 * A processing child's node flags: the parent's command-line flags (`--import tsx`, profiling, memory
 * limits), all of them, with the processing role's semi-space unless the operator set one there.
 * NODE_OPTIONS are not among them (see COLLECTOR_NODE_OPTIONS).
 */
export function processingChildExecArgv(parent: readonly string[]): string[] {
  if (parent.some((a) => a.startsWith('--max-semi-space-size'))) return [...parent]
  return [...parent, `--max-semi-space-size=${PROCESSING_SEMI_SPACE_MB}`]
}

/**
 * Caps the old generation's growth between full collections in this process (V8 reads the setting
 * at each one). Only for a process that holds the collector alone (runtime.processing: process):
 * the flag is process-wide, and a processing worker thread would pay for it in full collections.
 */
export function limitCollectorHeapGrowth(): void {
  setFlagsFromString(`--heap-growing-percent=${COLLECTOR_HEAP_GROWING_PERCENT}`)
}
