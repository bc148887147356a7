// The first module of a worker thread or child process that runs one of clickflow's modules: it
// loads the entry named in workerData (a worker) or as the first argument (a child process).
// Compiled (dist/, what `clickflow` and `npm start` run) the entry is JavaScript and nothing else is
// loaded. Run from the TypeScript sources (tests) it is `.ts`: tsx's loader is registered first,
// since worker threads do not inherit it (module hooks are per thread in Node 20) and a child has no
// `--import tsx` of its own.
import { workerData } from 'node:worker_threads'

const entry = workerData?.entry ?? process.argv[2]
if (entry.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api')
  register()
}
await import(entry)
