// What the dashboard learns once per load: how to install the tag here (for empty states) and which
// sites send data (for the site selector).
import { useEffect, useState } from 'preact/hooks'
import type { SitesResponse } from '../../src/analytics/contract.ts'
import { getJson } from './api.ts'

/** GET /api/dashboard/setup (src/dashboard/setup-route.ts). */
export interface SetupResponse {
  /** The collectors' tag: port (null when chosen at start) and path. */
  readonly tag: { readonly port: number | null; readonly path: string } | null
  /** The live sink's conversion event: the Overview's default goal. */
  readonly conversion_event: string | null
}

/** The setup plus the ready-to-paste snippet. */
export interface Setup extends SetupResponse {
  readonly snippet: string
}

let cached: Promise<Setup> | null = null

/** The `<script>` tags that install clickflow on a site, pointing at this host's collector. */
export function snippetFor(tag: SetupResponse['tag']): string {
  const port = tag?.port ?? '<collector-port>'
  const src = `${location.protocol}//${location.hostname}:${port}${tag?.path ?? '/tag.js'}`
  return (
    `<script>window.clickflow=window.clickflow||function(){(clickflow.q=clickflow.q||[]).push(arguments)}</script>\n` +
    `<script defer src="${src}" data-site="${location.hostname === '127.0.0.1' || location.hostname === 'localhost' ? 'my-site' : location.hostname}"></script>`
  )
}

function loadSetup(): Promise<Setup> {
  cached ??= getJson<SetupResponse>('/api/dashboard/setup').then(
    (s) => ({ ...s, snippet: snippetFor(s.tag) }),
    (err) => {
      cached = null
      throw err
    },
  )
  return cached
}

/** The setup, once loaded (null before or when it failed: the snippet then uses the defaults). */
export function useSetup(): Setup | null {
  const [s, set] = useState<Setup | null>(null)
  useEffect(() => {
    loadSetup().then(set, () => set({ tag: null, conversion_event: null, snippet: snippetFor(null) }))
  }, [])
  return s
}

let sites: Promise<SitesResponse> | null = null

/** The sites that sent data (cached for the page's life; `refresh` asks again). */
export function loadSites(refresh = false): Promise<SitesResponse> {
  if (refresh || !sites)
    sites = getJson<SitesResponse>('/api/sites').catch((err) => {
      sites = null
      throw err
    })
  return sites
}
