// Fills browser, OS and device type from the user agent (ua-parser-js 1.x: MIT; 2.x is AGPL) and
// flags bots (isbot). Results are cached per user-agent string.
import { isbot } from 'isbot'
import { UAParser } from 'ua-parser-js'
import type { Transform } from '../../core/component.ts'
import type { ClickEvent } from '../../core/event.ts'
import { Lru } from '../../core/lru.ts'
import { pass } from '../../core/step-result.ts'
import type { EnrichUserAgentConfig } from './config.ts'

/** What one user agent tells. */
export interface UserAgentInfo {
  readonly browser: string | null
  readonly browser_version: string | null
  readonly os: string | null
  readonly os_version: string | null
  /** desktop, mobile, tablet, smarttv, console, wearable, embedded, xr, or bot. */
  readonly device_type: string
  readonly is_bot: boolean
}

/** Parses one user agent. */
export function parseUserAgent(ua: string): UserAgentInfo {
  const r = new UAParser(ua).getResult()
  const bot = isbot(ua)
  // ua-parser-js leaves device.type empty for desktops; a bot is its own kind of device.
  const device = bot ? 'bot' : (r.device.type ?? 'desktop')
  return {
    browser: r.browser.name ?? null,
    browser_version: r.browser.version ?? null,
    os: r.os.name ?? null,
    os_version: r.os.version ?? null,
    device_type: device,
    is_bot: bot,
  }
}

/** Builds the transform. */
export function createEnrichUserAgent(cfg: EnrichUserAgentConfig): Transform {
  const cache = new Lru<string, UserAgentInfo>(Math.max(1, cfg.cache_size))
  return {
    apply(e: ClickEvent) {
      if (!e.user_agent) return pass()
      let info = cache.get(e.user_agent)
      if (!info) {
        info = parseUserAgent(e.user_agent)
        cache.set(e.user_agent, info)
      }
      e.browser = info.browser
      e.browser_version = info.browser_version
      e.os = info.os
      e.os_version = info.os_version
      e.device_type = info.device_type
      e.is_bot = e.is_bot || info.is_bot
      return pass()
    },
  }
}
