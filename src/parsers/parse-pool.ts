// Parsing on other threads: the file_tail source and `clickflow import` read a file in chunks of
// complete lines on their own thread and hand each chunk to a parse worker (parse-worker.ts), which
// splits, parses and encodes it (chunk-parser.ts) and hands back the packed records. One chunk of
// parsing costs ~10x its reading, so this is what lets a file be read at more than one core's
// parsing rate. Each chunk's promise resolves with its own result: a caller that awaits them in the
// order it sent them appends in file order. With 0 threads the chunks are parsed on the caller's
// thread by the same code.
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { ClickflowError } from '../core/errors.ts'
import { moduleUrl } from '../topology/worker/module-url.ts'
import { visitorHasher } from './build-format.ts'
import { type ChunkJob, ChunkParser, type ParsedChunk } from './chunk-parser.ts'
import type { FormatConfig } from './format-config.ts'

/** What the pool sends a worker. */
export type ToParseWorker =
  | { readonly type: 'format'; readonly id: number; readonly cfg: FormatConfig; readonly sourceId: string }
  | { readonly type: 'parse'; readonly id: number; readonly format: number; readonly job: ChunkJob }

/** What a worker answers. */
export type FromParseWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'parsed'; readonly id: number; readonly chunk: ParsedChunk }
  | { readonly type: 'failed'; readonly id: number; readonly message: string }

/** What a worker starts with. */
export interface ParseWorkerData {
  /** The module boot.mjs loads (parse-worker.ts, or a test's). */
  readonly entry: string
  readonly visitorKeyFile: string
  /** Niceness to lower the worker's thread to (0: leave it). */
  readonly niceness: number
}

/** How to parse. */
export interface ParsePoolOptions {
  /** Worker threads; capped at the machine's cores. 0: parse on the calling thread. */
  readonly threads: number
  /** The keyed visitor hash's key file (build-format.ts), shared by every thread. */
  readonly visitorKeyFile: string
  /**
   * Lowers the workers' CPU priority (niceness, as the processing worker does): inside a running
   * clickflow the collector's thread then comes first when the cores are short.
   */
  readonly niceness?: number
  /**
   * Until a worker is ready (its modules loaded and compiled, most of a second), parse on the calling
   * thread rather than wait: an import's first chunks do not queue behind the workers' start.
   */
  readonly parseWhileStarting?: boolean
  /** The worker module (tests put a failing one here). */
  readonly entry?: URL
}

/** Worker threads for `requested` on this machine: no more than its cores. */
export function parseThreads(requested: number): number {
  return Math.max(0, Math.min(requested, availableParallelism()))
}

/** Parses chunks on worker threads, or on the calling thread. */
export interface ChunkParsing {
  /** Worker threads in use (0: the calling thread). */
  readonly threads: number
  /** Registers a format (and the source id stamped on its events); returns its id for {@link parse}. */
  format(cfg: FormatConfig, sourceId: string): number
  /** Whether the format's first line is a header that jobs must carry. */
  hasHeader(format: number): boolean
  /**
   * A buffer to read a chunk into: shared memory when workers parse, so handing it over copies
   * nothing. Each chunk needs its own (a worker may still be reading the previous one).
   */
  allocate(bytes: number): Buffer
  /** Parses one chunk; rejects with a ClickflowError `parse_worker_failed` if its worker died. */
  parse(format: number, job: ChunkJob): Promise<ParsedChunk>
  /** Ends the workers (chunks still parsing reject). */
  close(): Promise<void>
}

/** Starts the parsing of `o`: on worker threads, or on this one when it gets none. */
export async function openChunkParsing(o: ParsePoolOptions): Promise<ChunkParsing> {
  // Also creates the key file, once, before any worker reads it.
  const visitorOf = await visitorHasher(o.visitorKeyFile)
  return parseThreads(o.threads) === 0 ? new InlineParsing(visitorOf) : startParsePool(o, visitorOf)
}

/** Parsing on the calling thread, with the visitor hash `visitorOf`. */
export function inlineParsing(visitorOf: (ip: string, userAgent: string) => string): ChunkParsing {
  return new InlineParsing(visitorOf)
}

/**
 * Starts parse workers for `o` (at least one); its visitor key file should exist already, and
 * `visitorOf` is its hash on this thread (for the formats' settings, and `parseWhileStarting`).
 */
export function startParsePool(
  o: ParsePoolOptions,
  visitorOf: (ip: string, userAgent: string) => string,
): ChunkParsing {
  return new ParsePool(Math.max(1, parseThreads(o.threads)), o, new InlineParsing(visitorOf))
}

/** Parsing on the calling thread. */
class InlineParsing implements ChunkParsing {
  readonly threads = 0
  readonly #parsers: ChunkParser[] = []
  readonly #visitorOf: (ip: string, userAgent: string) => string

  constructor(visitorOf: (ip: string, userAgent: string) => string) {
    this.#visitorOf = visitorOf
  }

  format(cfg: FormatConfig, sourceId: string): number {
    this.#parsers.push(new ChunkParser(cfg, sourceId, this.#visitorOf))
    return this.#parsers.length - 1
  }

  hasHeader(format: number): boolean {
    return this.#parsers[format]!.hasHeader
  }

  allocate(bytes: number): Buffer {
    return Buffer.allocUnsafeSlow(bytes)
  }

  async parse(format: number, job: ChunkJob): Promise<ParsedChunk> {
    return this.#parsers[format]!.parse(job)
  }

  async close(): Promise<void> {}
}

interface Pending {
  readonly resolve: (c: ParsedChunk) => void
  readonly reject: (err: Error) => void
}

/** One worker thread and the chunks sent to it. */
interface PoolWorker {
  readonly worker: Worker
  readonly pending: Map<number, Pending>
  /** It has loaded its modules and takes chunks. */
  ready: boolean
}

/** Parsing on worker threads. */
class ParsePool implements ChunkParsing {
  readonly threads: number
  readonly #workers: PoolWorker[] = []
  /** Registers every format too (same ids); parses while no worker is ready, if allowed. */
  readonly #here: InlineParsing
  readonly #parseWhileStarting: boolean
  #nextJob = 0
  #turn = 0
  /** Set once a worker died: every later chunk fails with it rather than waiting forever. */
  #failure: ClickflowError | null = null
  #closing = false

  constructor(threads: number, o: ParsePoolOptions, here: InlineParsing) {
    this.threads = threads
    this.#here = here
    this.#parseWhileStarting = o.parseWhileStarting === true
    const data: ParseWorkerData = {
      entry: (o.entry ?? moduleUrl('./parse-worker.ts', import.meta.url)).href,
      visitorKeyFile: o.visitorKeyFile,
      niceness: o.niceness ?? 0,
    }
    for (let i = 0; i < threads; i++) {
      // boot.mjs loads the entry (and, for a `.ts` entry, tsx's loader: module hooks are per thread).
      const worker = new Worker(new URL('../topology/worker/boot.mjs', import.meta.url), { workerData: data })
      const w: PoolWorker = { worker, pending: new Map(), ready: false }
      worker.on('message', (m: FromParseWorker) => {
        if (m.type === 'ready') {
          w.ready = true
          return
        }
        const p = w.pending.get(m.id)
        if (p === undefined) return
        w.pending.delete(m.id)
        if (w.pending.size === 0) worker.unref()
        if (m.type === 'parsed') p.resolve(m.chunk)
        else p.reject(new ClickflowError('parse_failed', `parsing a chunk failed: ${m.message}`))
      })
      worker.on('error', (err) => this.#fail(w, `a parse worker failed: ${err.message}`, err))
      worker.on('exit', (code) => this.#fail(w, `a parse worker exited (code ${code})`))
      // An idle pool does not keep the process alive; one with chunks to answer does (ref in parse).
      worker.unref()
      this.#workers.push(w)
    }
  }

  format(cfg: FormatConfig, sourceId: string): number {
    const id = this.#here.format(cfg, sourceId)
    for (const w of this.#workers)
      w.worker.postMessage({ type: 'format', id, cfg, sourceId } satisfies ToParseWorker)
    return id
  }

  hasHeader(format: number): boolean {
    return this.#here.hasHeader(format)
  }

  allocate(bytes: number): Buffer {
    return Buffer.from(new SharedArrayBuffer(bytes))
  }

  parse(format: number, job: ChunkJob): Promise<ParsedChunk> {
    if (this.#failure) return Promise.reject(this.#failure)
    if (this.#closing)
      return Promise.reject(new ClickflowError('parse_failed', 'the parse workers are closed'))
    if (this.#parseWhileStarting && !this.#workers.some((w) => w.ready)) return this.#here.parse(format, job)
    // The worker with the fewest chunks waiting, taking turns among equals.
    let best = this.#workers[this.#turn++ % this.#workers.length]!
    for (const w of this.#workers) if (w.pending.size < best.pending.size) best = w
    const id = this.#nextJob++
    return new Promise<ParsedChunk>((resolve, reject) => {
      if (best.pending.size === 0) best.worker.ref()
      best.pending.set(id, { resolve, reject })
      best.worker.postMessage({ type: 'parse', id, format, job } satisfies ToParseWorker)
    })
  }

  async close(): Promise<void> {
    this.#closing = true
    await Promise.all(this.#workers.map((w) => w.worker.terminate()))
  }

  #fail(w: PoolWorker, message: string, cause?: Error): void {
    if (this.#closing && w.pending.size === 0) return
    const err = new ClickflowError('parse_worker_failed', message, cause ? { cause } : undefined)
    this.#failure ??= err
    for (const p of w.pending.values()) p.reject(err)
    w.pending.clear()
  }
}
