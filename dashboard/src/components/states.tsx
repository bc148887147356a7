// The states a panel can be in besides "here are your numbers": loading, failed, and no data yet
// (with the snippet that starts the data flowing).

import { useEffect, useState } from 'preact/hooks'
import type { ApiError } from '../api.ts'
import { loadSites, useSetup } from '../setup.ts'

/** An API error as a sentence, with the code for searching the docs. */
export function ErrorBox({ error }: { error: ApiError }) {
  return (
    <div class="error" role="alert">
      <strong>{error.status === 0 ? 'Could not load' : `Error ${error.status}`}</strong>{' '}
      <span class="error-message">{error.message}</span> <code>{error.code}</code>
    </div>
  )
}

/** A quiet placeholder while the first load runs. */
export function Loading() {
  return (
    <div class="loading" aria-busy="true">
      Loading…
    </div>
  )
}

/**
 * "No data yet": the tag snippet for this installation, ready to copy. The snippet shows only when
 * no site has sent anything at all; with data elsewhere in time the box says so instead.
 */
export function NoData({ what = 'No data yet', other }: { what?: string; other: string }) {
  const setup = useSetup()
  const [hasData, setHasData] = useState<boolean | null>(null)
  useEffect(() => {
    loadSites(true).then(
      (r) => setHasData(r.sites.length > 0),
      () => setHasData(false),
    )
  }, [])
  if (hasData === null) return null
  if (hasData)
    return (
      <p class="empty" data-empty="elsewhere">
        {other}
      </p>
    )
  return (
    <div class="empty" data-empty="no-data">
      <p>
        <strong>{what}.</strong> Add this snippet to the <code>&lt;head&gt;</code> of your site and events
        appear here within a second:
      </p>
      <pre class="snippet">{setup?.snippet ?? '…'}</pre>
      <p class="muted">
        Or run <code>npm start -- --demo</code> for generated traffic.
      </p>
    </div>
  )
}

/** Nothing matched (filters or range), which is different from no data at all. */
export function NoRows({ text = 'Nothing in this range with these filters.' }: { text?: string }) {
  return <p class="muted no-rows">{text}</p>
}
