// A uPlot chart in a Preact component: time series (lines) or categories (bars). The chart is created
// once and fed new data; it follows its box's width so it fits a phone.
import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'

/** One line of a chart. */
export interface Series {
  readonly label: string
  readonly values: readonly (number | null)[]
  readonly color: string
}

export interface ChartProps {
  /** Unix seconds (time axis) or 0..n-1 with `categories`. */
  readonly x: readonly number[]
  readonly series: readonly Series[]
  readonly height?: number
  /** Bar chart over these labels instead of a time axis. */
  readonly categories?: readonly string[]
  /** IANA zone for the time axis. */
  readonly tz?: string
  /** Points are whole days or longer: the axis shows dates only, at least a day apart. */
  readonly days?: boolean
  /** Accessible description (test hook too). */
  readonly label: string
}

function options(p: ChartProps, width: number): uPlot.Options {
  const cats = p.categories
  return {
    width,
    height: p.height ?? 240,
    // The legend shows the values under the cursor; bars name their category on the axis.
    legend: { show: !cats },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: !cats } },
    ...(p.tz && !cats ? { tzDate: (ts: number) => uPlot.tzDate(new Date(ts * 1000), p.tz!) } : {}),
    axes: [
      cats
        ? {
            values: (_u: uPlot, splits: number[]) => splits.map((i) => cats[i] ?? ''),
            space: 40,
            stroke: '#6b7280',
          }
        : p.days
          ? {
              stroke: '#6b7280',
              incrs: [86_400, 2 * 86_400, 7 * 86_400, 14 * 86_400, 28 * 86_400, 91 * 86_400, 364 * 86_400],
              values: (_u: uPlot, splits: number[]) =>
                splits.map((ts) =>
                  new Date(ts * 1000).toLocaleDateString('en-GB', {
                    timeZone: p.tz,
                    day: 'numeric',
                    month: 'short',
                  }),
                ),
            }
          : { stroke: '#6b7280' },
      { stroke: '#6b7280', size: 50 },
    ],
    series: [
      {},
      ...p.series.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: 2,
        fill: `${s.color}22`,
        points: { show: p.x.length < 40 },
        ...(cats
          ? { paths: uPlot.paths.bars!({ size: [0.6, 60] }), fill: `${s.color}aa`, points: { show: false } }
          : {}),
      })),
    ],
  }
}

/** A responsive uPlot chart. */
export function Chart(p: ChartProps) {
  const box = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  const shape = `${p.series.map((s) => s.label).join(',')}|${p.categories ? 'bars' : 'time'}|${p.tz}|${p.days}`
  const lastShape = useRef('')

  useEffect(() => {
    const el = box.current!
    const data = [p.x as number[], ...p.series.map((s) => s.values as (number | null)[])] as uPlot.AlignedData
    if (!plot.current || lastShape.current !== shape) {
      plot.current?.destroy()
      plot.current = new uPlot(options(p, el.clientWidth || 300), data, el)
      lastShape.current = shape
    } else plot.current.setData(data)
  })

  useEffect(() => {
    const el = box.current!
    const ro = new ResizeObserver(() => {
      if (plot.current && el.clientWidth > 0)
        plot.current.setSize({ width: el.clientWidth, height: p.height ?? 240 })
    })
    ro.observe(el)
    return () => {
      ro.disconnect()
      plot.current?.destroy()
      plot.current = null
    }
  }, [])

  return <div class="chart" ref={box} role="img" aria-label={p.label} />
}
