// The benches that measure the processing role in their own process (bench:process, bench:store's
// processing path) run it with the heap the product gives that role (young-generation.ts): a worker
// thread or child process with larger semi-spaces. Without it the figures would be of a heap the
// product never runs the pipeline on.
import { spawnSync } from 'node:child_process'
import { processingChildExecArgv } from '../../src/topology/worker/young-generation.ts'

/** Runs this script again with the processing role's node flags, unless it already has them. */
export function withProcessingHeap(): void {
  const flags = processingChildExecArgv(process.execArgv)
  if (flags.length === process.execArgv.length) return
  const r = spawnSync(process.execPath, [...flags, ...process.argv.slice(1)], { stdio: 'inherit' })
  process.exit(r.status ?? 1)
}
