// Checks of the topology graph: ids unique across kinds, inputs that exist, no cycles, every
// transform used. Returns every problem found.
import type { ComponentKind } from '../core/component.ts'
import type { ConfigIssue } from '../core/errors.ts'

/** A node as the graph checks see it. */
export interface GraphNode {
  readonly id: string
  readonly kind: ComponentKind
  readonly inputs: readonly string[]
}

/** Problems (errors) and warnings of a topology graph. */
export function checkGraph(nodes: readonly GraphNode[]): { issues: ConfigIssue[]; warnings: ConfigIssue[] } {
  const issues: ConfigIssue[] = []
  const warnings: ConfigIssue[] = []
  const byId = new Map<string, GraphNode>()
  for (const n of nodes) {
    const other = byId.get(n.id)
    if (other) {
      issues.push({
        path: `${n.kind}s.${n.id}`,
        message: `id "${n.id}" is also used by ${other.kind}s.${n.id}; ids must be unique`,
      })
      continue
    }
    byId.set(n.id, n)
  }
  for (const n of nodes) {
    n.inputs.forEach((input, i) => {
      const target = byId.get(input)
      const path = `${n.kind}s.${n.id}.inputs[${i}]`
      if (!target) issues.push({ path, message: `input "${input}" is not a source or transform id` })
      else if (target.kind === 'sink')
        issues.push({ path, message: `input "${input}" is a sink; sinks have no output` })
      else if (input === n.id) issues.push({ path, message: `${n.id} lists itself as input` })
    })
  }
  // Cycles among transforms: depth-first search with colours; report each cycle once.
  const colour = new Map<string, 'grey' | 'black'>()
  const reported = new Set<string>()
  const visit = (id: string, stack: string[]): void => {
    const n = byId.get(id)
    if (n?.kind !== 'transform') return
    if (colour.get(id) === 'black') return
    if (colour.get(id) === 'grey') {
      const cycle = [...stack.slice(stack.indexOf(id)), id]
      const key = [...cycle].sort().join(',')
      if (!reported.has(key)) {
        reported.add(key)
        issues.push({ path: `transforms.${id}.inputs`, message: `cycle: ${cycle.join(' -> ')}` })
      }
      return
    }
    colour.set(id, 'grey')
    for (const input of n.inputs) if (input !== id) visit(input, [...stack, id])
    colour.set(id, 'black')
  }
  for (const n of nodes) if (n.kind === 'transform') visit(n.id, [])
  for (const n of nodes) {
    if (n.kind !== 'transform') continue
    if (!nodes.some((m) => m.inputs.includes(n.id))) {
      warnings.push({
        path: `transforms.${n.id}`,
        message: "no sink or transform reads this transform's output",
      })
    }
  }
  return { issues, warnings }
}

/** Component ids in an order where every node comes after its inputs (acyclic graphs only). */
export function topologicalOrder(nodes: readonly GraphNode[]): string[] {
  const byId = new Map(nodes.map((n) => [n.id, n]))
  const done = new Set<string>()
  const out: string[] = []
  const visit = (id: string): void => {
    if (done.has(id)) return
    done.add(id)
    for (const input of byId.get(id)?.inputs ?? []) visit(input)
    out.push(id)
  }
  for (const n of nodes) visit(n.id)
  return out
}
