// The active filters as removable chips; every panel reads them from the URL state.
import type { Filter } from '../../../src/analytics/contract.ts'
import { removeFilter, update } from '../state.ts'

const OP_WORDS: Record<Filter['op'], string> = {
  '==': 'is',
  '!=': 'is not',
  '=~': 'matches',
  '!~': 'does not match',
}

/** A dimension as people say it. */
export function dimensionLabel(d: string): string {
  if (d.startsWith('prop:')) return `property ${d.slice(5)}`
  return d.replace(/_/g, ' ')
}

/** The chips, or nothing when no filter is set. */
export function FilterBar({ filters }: { filters: readonly Filter[] }) {
  if (filters.length === 0) return null
  return (
    <div class="filters">
      {filters.map((f, i) => (
        <span
          class="chip"
          key={`${f.dimension}${f.op}${f.value.join('|')}`}
          data-filter={`${f.dimension}${f.op}${f.value.join('|')}`}
        >
          {dimensionLabel(f.dimension)} {OP_WORDS[f.op]}{' '}
          <strong>{f.value.map((v) => v || '(none)').join(' or ')}</strong>
          <button
            type="button"
            aria-label={`Remove filter ${dimensionLabel(f.dimension)}`}
            onClick={() => removeFilter(i)}
          >
            ×
          </button>
        </span>
      ))}
      {filters.length > 1 && (
        <button type="button" class="link" onClick={() => update({ filters: [] })}>
          Clear all
        </button>
      )}
    </div>
  )
}
