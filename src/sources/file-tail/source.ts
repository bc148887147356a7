// The running file_tail source. One loop takes rounds: rescan the groups, take up to
// max_lines_per_file complete lines from every file, append their events and dead letters to the
// log in one durable write, and only then move the offsets and save the position file. A crash
// between the append and the save re-reads those lines; their deterministic ids let the pipeline's
// dedupe flag them (docs/architecture.md, "file_tail").
import { type FSWatcher, watch } from 'node:fs'
import { mkdir, readdir, stat } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import type { BuildContext, EventWriter, Source } from '../../core/component.ts'
import type { ClickEvent, DeadLetter } from '../../core/event.ts'
import { buildFormat, visitorHasher } from '../../parsers/build-format.ts'
import type { LineFormat } from '../../parsers/line-parser.ts'
import type { FileTailConfig } from './config.ts'
import { globToRegExp } from './glob.ts'
import { loadPositions, type Positions, savePositions } from './positions.ts'
import { identityOf, TrackedFile } from './tracked-file.ts'

/** The running file_tail. */
export class FileTail implements Source {
  readonly #cfg: FileTailConfig
  readonly #ctx: BuildContext
  readonly #format: LineFormat
  readonly #positionFile: string
  readonly #groups: { dir: string; match: RegExp }[]
  readonly #files = new Map<string, TrackedFile>()
  #stored: Positions = {}
  #out: EventWriter | null = null
  #loop: Promise<void> | null = null
  #stopping = false
  /** The first scan is done: files found from now on appeared while running. */
  #scanned = false
  /** Offsets moved since the position file was last written, and when that was. */
  #positionsDirty = false
  #positionsSavedAt = 0
  #wake: (() => void) | null = null
  #woken = false
  readonly #watchers: FSWatcher[] = []

  private constructor(cfg: FileTailConfig, ctx: BuildContext, format: LineFormat, positionFile: string) {
    this.#cfg = cfg
    this.#ctx = ctx
    this.#format = format
    this.#positionFile = positionFile
    this.#groups = cfg.groups.map((g) => ({ dir: resolve(g.dir), match: globToRegExp(g.glob) }))
  }

  /** Builds the source: the parser, the visitor key, the position file path. */
  static async create(cfg: FileTailConfig, ctx: BuildContext): Promise<FileTail> {
    const stateDir = join(ctx.dataDir, 'sources', ctx.id)
    const visitorOf = await visitorHasher(join(ctx.dataDir, 'parsers', 'visitor-key'))
    const format = buildFormat(cfg.parser, { sourceId: ctx.id, visitorOf, now: () => ctx.clock.now() })
    return new FileTail(cfg, ctx, format, cfg.position_file ?? join(stateDir, 'positions.json'))
  }

  async start(out: EventWriter): Promise<void> {
    this.#out = out
    await mkdir(dirname(this.#positionFile), { recursive: true })
    this.#stored = await loadPositions(this.#positionFile)
    for (const g of this.#groups) {
      try {
        // Notifications make new lines visible at once; the periodic scan catches what they miss.
        const w = watch(g.dir, { persistent: false }, () => this.#poke())
        w.on('error', (err) => this.#ctx.log.warn({ err, dir: g.dir }, 'watching a directory failed'))
        this.#watchers.push(w)
      } catch (err) {
        this.#ctx.log.warn({ err, dir: g.dir }, 'cannot watch directory yet; scanning it periodically')
      }
    }
    this.#loop = this.#run()
  }

  urls(): readonly string[] {
    return []
  }

  async stop(): Promise<void> {
    this.#stopping = true
    this.#poke()
    for (const w of this.#watchers) w.close()
    this.#watchers.length = 0
    await this.#loop
    // The last rounds of a busy stretch may not have written their positions yet.
    if (this.#positionsDirty) await this.#savePositions()
    for (const f of this.#files.values()) await f.close().catch(() => {})
    this.#files.clear()
  }

  #poke(): void {
    this.#woken = true
    this.#wake?.()
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      let more = false
      try {
        more = await this.#round()
      } catch (err) {
        // A failed append (the log refused) or an I/O error: nothing was committed; try again later.
        this.#ctx.metrics.error('round_failed')
        this.#ctx.log.warn({ err }, 'file_tail round failed; retrying')
        more = false
      }
      if (more || this.#stopping) continue
      if (this.#woken) {
        this.#woken = false
        continue
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, this.#cfg.scan_interval_ms)
        this.#wake = () => {
          clearTimeout(t)
          r()
        }
      })
      this.#wake = null
      this.#woken = false
    }
  }

  /** One round; true when some file has more lines ready. */
  async #round(): Promise<boolean> {
    // A file opened at its end (`read_from: end`) has a position before any line is read: keep it.
    const opened = await this.#scan()
    const events: ClickEvent[] = []
    const dead: DeadLetter[] = []
    const commits: { file: TrackedFile; end: number; lines: number }[] = []
    // Skips counted per reason for the round: one counter update each, not one per line.
    const skipped = new Map<string, number>()
    let more = false
    let lineCount = 0
    for (const file of this.#files.values()) {
      if (await file.truncated()) {
        this.#ctx.log.info({ file: file.path }, 'file shrank (copy-truncate?): reading it from the start')
      }
      const r = await file.read(this.#cfg.max_lines_per_file, this.#cfg.max_line_bytes)
      if (r.more) more = true
      let n = file.nextLineNumber
      for (const line of r.lines) {
        const ref = { file: file.path, identity: file.identity, offset: line.offset, lineNumber: n++ }
        if (line.tooLong) {
          dead.push(
            this.#dead('line_too_long', `line is over ${this.#cfg.max_line_bytes} bytes`, ref, line.text),
          )
          continue
        }
        if (file.parser.hasHeader && line.offset === 0) {
          file.parser.header(line.text)
          continue
        }
        if (line.text.length === 0) continue
        const o = file.parser.parse(line.text, ref)
        if (o.kind === 'events') events.push(...o.events)
        else if (o.kind === 'skip') skipped.set(o.reason, (skipped.get(o.reason) ?? 0) + 1)
        else dead.push(this.#dead(o.reason, o.message, ref, line.text))
      }
      lineCount += r.lines.length
      if (r.lines.length > 0) commits.push({ file, end: r.end, lines: r.lines.length })
    }
    if (lineCount > 0) {
      this.#ctx.metrics.received(lineCount)
      // Durable first: the offsets below move only once the log holds the events.
      await Promise.all([
        events.length > 0 ? this.#out!.write(events) : undefined,
        dead.length > 0 ? this.#out!.deadLetter(dead) : undefined,
      ])
      this.#ctx.metrics.sent(events.length)
      for (const d of dead) this.#ctx.metrics.discarded(d.reason)
      for (const [reason, n] of skipped) this.#ctx.metrics.discarded(reason, n)
      for (const c of commits) c.file.commit(c.end, c.lines)
    }
    // Files gone from their group and read to the end are closed and forgotten.
    let forgot = false
    for (const [id, f] of this.#files) {
      if (f.gone && !commits.some((c) => c.file === f)) {
        await f.close().catch(() => {})
        this.#files.delete(id)
        forgot = true
      }
    }
    if (lineCount > 0) this.#positionsDirty = true
    // Writing the position file costs two fsyncs: while files keep delivering lines it is written
    // every position_interval_ms, and at once when they are read to the end or the set of files changed.
    if (
      forgot ||
      opened ||
      (this.#positionsDirty &&
        (!more || this.#ctx.clock.now() - this.#positionsSavedAt >= this.#cfg.position_interval_ms))
    )
      await this.#savePositions()
    return more
  }

  #dead(
    reason: string,
    message: string,
    ref: { file: string; lineNumber: number; offset: number },
    text: string,
  ): DeadLetter {
    return {
      component_id: this.#ctx.id,
      reason,
      message: `${ref.file}:${ref.lineNumber}: ${message}`,
      received_at: this.#ctx.clock.now(),
      payload: JSON.stringify({
        file: ref.file,
        line_number: ref.lineNumber,
        offset: ref.offset,
        line: text.slice(0, 4096),
      }),
    }
  }

  /** Lists the groups' files: opens new ones, follows renames, marks vanished ones as gone. True when it opened one. */
  async #scan(): Promise<boolean> {
    let opened = false
    const seen = new Map<string, string>()
    for (const g of this.#groups) {
      let names: string[]
      try {
        names = await readdir(g.dir)
      } catch {
        continue // a directory that does not exist yet is fine: it is scanned again
      }
      for (const name of names) {
        if (!g.match.test(name)) continue
        const path = join(g.dir, name)
        try {
          const st = await stat(path, { bigint: true })
          if (st.isFile()) seen.set(identityOf(st), path)
        } catch {
          // removed between readdir and stat
        }
      }
    }
    for (const [id, f] of this.#files) {
      const path = seen.get(id)
      if (path === undefined) f.gone = true
      else f.path = path
    }
    for (const [id, path] of seen) {
      if (this.#files.has(id)) continue
      // `read_from: end` is for what the files held when we started; a file that appears later is
      // new (a rotation's fresh file) and is read from its beginning, or its first lines would be lost.
      const fromEnd = this.#cfg.read_from === 'end' && !this.#scanned
      const file = await TrackedFile.open(path, id, this.#format, this.#stored[id], fromEnd)
      if (!file) continue
      if (file.resumed === 'reset')
        this.#ctx.log.info(
          { file: path },
          'stored position does not fit the file (new content): reading from the start',
        )
      this.#files.set(id, file.file)
      opened = true
    }
    this.#scanned = true
    return opened
  }

  async #savePositions(): Promise<void> {
    const next: Positions = {}
    for (const [id, f] of this.#files) next[id] = f.position()
    this.#stored = next
    await savePositions(this.#positionFile, next)
    this.#positionsDirty = false
    this.#positionsSavedAt = this.#ctx.clock.now()
  }
}
