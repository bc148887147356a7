// Worker threads do not inherit tsx's loader (module hooks are per thread in Node 20), and a child
// process started from the installed `clickflow` command (bin/clickflow.js) has no `--import tsx`:
// register it here, then load the TypeScript entry named in workerData (a worker) or as the first
// argument (a child process).
import { workerData } from 'node:worker_threads'
import { register } from 'tsx/esm/api'

register()
await import(workerData?.entry ?? process.argv[2])
