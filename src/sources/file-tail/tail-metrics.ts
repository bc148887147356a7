// The file_tail source's own metric beside the components' common ones: how many lines the parse
// workers parsed (the rest were parsed on the source's thread), so an operator can see the backlog
// path at work.
import { Counter, type Registry } from 'prom-client'

const NAME = 'clickflow_file_tail_worker_lines_total'

/** Lines parsed on the parse workers, by component id (one family per registry, shared by sources). */
export function workerLinesCounter(registry: Registry): Counter<'component_id'> {
  const existing = registry.getSingleMetric(NAME) as Counter<'component_id'> | undefined
  return (
    existing ??
    new Counter({
      name: NAME,
      help: 'Lines the file_tail parse workers parsed (the others were parsed on the source thread).',
      labelNames: ['component_id'],
      registers: [registry],
    })
  )
}
