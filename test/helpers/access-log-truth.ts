// An independent count of page views and visitors per day in a Combined Log Format file, written
// apart from src/parsers (string splitting, not its regex) with the same documented rules: GET or
// POST, status 200-299, no static asset extension; visitor = IP + user agent.
import { readFileSync } from 'node:fs'
import { isbot } from 'isbot'

const ASSETS = new Set(
  'css js mjs map png jpg jpeg gif svg ico webp avif bmp woff woff2 ttf otf eot mp4 webm mp3 ogg wav'.split(
    ' ',
  ),
)
const MONTH: Record<string, string> = {
  Jan: '01',
  Feb: '02',
  Mar: '03',
  Apr: '04',
  May: '05',
  Jun: '06',
  Jul: '07',
  Aug: '08',
  Sep: '09',
  Oct: '10',
  Nov: '11',
  Dec: '12',
}

/** Per UTC day: page views, distinct visitors and bot page views; plus lines that are not CLF. */
export function accessLogTruth(path: string): {
  days: Map<string, { views: number; visitors: Set<string>; bots: number }>
  malformed: number[]
  /** Page views whose time is before an earlier page view's: the file is not in time order. */
  late: number
} {
  const days = new Map<string, { views: number; visitors: Set<string>; bots: number }>()
  const malformed: number[] = []
  let late = 0
  let latest = ''
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line === '') return
      const quotes = line.split('"')
      // ip - - [time] "req" status bytes "ref" "ua" => 7 pieces when every quote is closed.
      if (quotes.length < 7) {
        malformed.push(i + 1)
        return
      }
      const head = quotes[0]!
      const ip = head.slice(0, head.indexOf(' '))
      const time = head.slice(head.indexOf('[') + 1, head.indexOf(']'))
      // The times in this file are all +0000, so the day is the date part.
      const [d, mon, rest] = time.split('/')
      const day = `${rest!.slice(0, 4)}-${MONTH[mon!]}-${d}`
      const [method, target] = quotes[1]!.split(' ')
      const status = Number(quotes[2]!.trim().split(' ')[0])
      const ua = quotes[5]!
      if (method !== 'GET' && method !== 'POST') return
      if (status < 200 || status > 299) return
      const lastSegment = target!.split(/[?#]/)[0]!.split('/').pop()!
      const dot = lastSegment.lastIndexOf('.')
      if (dot > 0 && ASSETS.has(lastSegment.slice(dot + 1).toLowerCase())) return
      // Sortable "YYYY-MM-DD HH:MM:SS" from the line's time (all +0000 here).
      const sortable = `${day} ${rest!.slice(5, 13)}`
      if (sortable < latest) late++
      else latest = sortable
      const entry = days.get(day) ?? { views: 0, visitors: new Set<string>(), bots: 0 }
      days.set(day, entry)
      entry.views++
      entry.visitors.add(`${ip}\n${ua === '-' ? '' : ua}`)
      if (ua !== '-' && isbot(ua)) entry.bots++
    })
  return { days, malformed, late }
}
