// The binary encoding of an event in a log record. JSON was the collector's, the file tail's and the
// pipeline's largest single cost (JSON.stringify per field to write, JSON.parse plus filling in the
// omitted fields to read: ~4 us each per enriched event, a third of the processing path). This format
// writes a presence bitmap, then each present field's length (or number) in the contract's field
// order, then the text of all string fields as one UTF-8 block; reading is one pass over the header
// and one native slice per string. Field names are not stored: the field order below is the format.
//
//   byte 0        FORMAT_V1 (a JSON envelope starts with '{', so both can be told apart)
//   byte 1        flags: bit 0 = the string block is ASCII only (decoded as latin1, no UTF-8 checks)
//   bytes 2..7    presence bitmap over FIELDS, bit i of byte 2 + (i >> 3): field i is present
//   header        per present field, in order: 'num' an 8-byte little-endian double; 'str' and
//                 'json' the byte length of its text in the block as a varint; 'bool' nothing
//                 (present means true)
//   block         the UTF-8 text of the present 'str' fields and the JSON of `props`, in order
//
// Absent means null (or false): most of an event's fields are empty until the
// processing worker's transforms fill them. Adding a field means appending it to FIELDS (a reader
// that meets a bit it does not know refuses the record as written by a newer version).
import type { ClickEvent, EventField, EventType } from '../core/event.ts'

/** The first byte of a binary event record. */
export const FORMAT_V1 = 0x01

type Kind = 'str' | 'num' | 'bool' | 'json'

/** The fields of {@link ClickEvent} in format order; never reorder, only append. */
const FIELDS: readonly (readonly [keyof ClickEvent, Kind])[] = [
  ['event_id', 'str'],
  ['event_type', 'str'],
  ['event_name', 'str'],
  ['event_time', 'num'],
  ['received_at', 'num'],
  ['sent_at', 'num'],
  ['source_id', 'str'],
  ['site', 'str'],
  ['visitor_id', 'str'],
  ['session_id', 'str'],
  ['user_id', 'str'],
  ['page_view_id', 'str'],
  ['page_url', 'str'],
  ['page_host', 'str'],
  ['page_path', 'str'],
  ['page_query', 'str'],
  ['page_title', 'str'],
  ['referrer', 'str'],
  ['referrer_host', 'str'],
  ['channel', 'str'],
  ['user_agent', 'str'],
  ['ip', 'str'],
  ['country', 'str'],
  ['region', 'str'],
  ['city', 'str'],
  ['browser', 'str'],
  ['browser_version', 'str'],
  ['os', 'str'],
  ['os_version', 'str'],
  ['device_type', 'str'],
  ['is_bot', 'bool'],
  ['is_duplicate', 'bool'],
  ['is_corrupt', 'bool'],
  ['utm_source', 'str'],
  ['utm_medium', 'str'],
  ['utm_campaign', 'str'],
  ['utm_term', 'str'],
  ['utm_content', 'str'],
  ['click_id_type', 'str'],
  ['click_id', 'str'],
  ['props', 'json'],
]
const COUNT = FIELDS.length
/** Field names in format order (tests check the encoder's indexes against them). */
export const EVENT_FIELD_NAMES: readonly (keyof ClickEvent)[] = FIELDS.map(([name]) => name)
const KIND_STR = 0
const KIND_NUM = 1
const KIND_BOOL = 2
const KIND_JSON = 3
const KINDS = Uint8Array.from(FIELDS, ([, k]) =>
  k === 'str' ? KIND_STR : k === 'num' ? KIND_NUM : k === 'bool' ? KIND_BOOL : KIND_JSON,
)
const BITMAP_BYTES = 6
const HEADER_START = 2 + BITMAP_BYTES
/** The largest header: every field present, numbers 8 bytes, lengths up to 5-byte varints. */
const MAX_HEADER = HEADER_START + COUNT * 8
const ASCII = 1

if (COUNT > BITMAP_BYTES * 8) throw new Error('event codec: the presence bitmap is too small for FIELDS')

/** Buffer's own slice and write methods without the encoding lookup of toString/write (Node's). */
interface RawBuffer extends Buffer {
  latin1Slice(start: number, end: number): string
  utf8Slice(start: number, end: number): string
  latin1Write(text: string, offset: number): number
  utf8Write(text: string, offset: number): number
}

// One scratch header: the encoder is synchronous, so it is reused rather than allocated per event.
const scratch = Buffer.allocUnsafe(MAX_HEADER)
// The header being written by encodeHeader: position, the block's text so far, whether lengths
// are UTF-8 byte counts. Module state and plain functions, one call per field in field order:
// a loop reading `event[NAMES[i]]` was a tenth of the file tail's time (keyed loads of 41 names).
let hPos = 0
let hText = ''
let hUtf8 = false

function putStr(i: number, s: string | null): void {
  if (s === null || s === undefined) return
  let n = hUtf8 ? Buffer.byteLength(s, 'utf8') : s.length
  while (n >= 0x80) {
    scratch[hPos++] = (n & 0x7f) | 0x80
    n >>>= 7
  }
  scratch[hPos++] = n
  hText += s
  scratch[2 + (i >> 3)]! |= 1 << (i & 7)
}

function putNum(i: number, v: number | null): void {
  if (v === null || v === undefined) return
  scratch.writeDoubleLE(v, hPos)
  hPos += 8
  scratch[2 + (i >> 3)]! |= 1 << (i & 7)
}

function putBool(i: number, v: boolean): void {
  if (v === true) scratch[2 + (i >> 3)]! |= 1 << (i & 7)
}

/**
 * The header into `scratch` (ending at hPos) and the block's text (hText); lengths in UTF-16 units,
 * or UTF-8 bytes.
 */
function encodeHeader(e: ClickEvent, utf8: boolean, propsJson: string | null): void {
  for (let i = 0; i < HEADER_START; i++) scratch[i] = 0
  scratch[0] = FORMAT_V1
  hPos = HEADER_START
  hText = ''
  hUtf8 = utf8
  // The indexes are FIELDS' (a test checks each field's bit against its name there).
  putStr(0, e.event_id)
  putStr(1, e.event_type)
  putStr(2, e.event_name)
  putNum(3, e.event_time)
  putNum(4, e.received_at)
  putNum(5, e.sent_at)
  putStr(6, e.source_id)
  putStr(7, e.site)
  putStr(8, e.visitor_id)
  putStr(9, e.session_id)
  putStr(10, e.user_id)
  putStr(11, e.page_view_id)
  putStr(12, e.page_url)
  putStr(13, e.page_host)
  putStr(14, e.page_path)
  putStr(15, e.page_query)
  putStr(16, e.page_title)
  putStr(17, e.referrer)
  putStr(18, e.referrer_host)
  putStr(19, e.channel)
  putStr(20, e.user_agent)
  putStr(21, e.ip)
  putStr(22, e.country)
  putStr(23, e.region)
  putStr(24, e.city)
  putStr(25, e.browser)
  putStr(26, e.browser_version)
  putStr(27, e.os)
  putStr(28, e.os_version)
  putStr(29, e.device_type)
  putBool(30, e.is_bot)
  putBool(31, e.is_duplicate)
  putBool(32, e.is_corrupt)
  putStr(33, e.utm_source)
  putStr(34, e.utm_medium)
  putStr(35, e.utm_campaign)
  putStr(36, e.utm_term)
  putStr(37, e.utm_content)
  putStr(38, e.click_id_type)
  putStr(39, e.click_id)
  if (e.props !== null && e.props !== undefined) putStr(40, propsJson ?? JSON.stringify(e.props))
}

// The event measured by the last measureEvent, waiting for writeMeasured: header end, the string
// block, and whether that block is ASCII.
let mEnd = 0
let mText = ''
let mAscii = true

/**
 * Encodes `event` up to the point where its size is known, and returns that size in bytes;
 * writeMeasured then writes it wherever the caller has room. Two steps rather than a Buffer per
 * event: the parse workers pack thousands of records into one buffer, and a Buffer per record plus
 * its copy there cost ~0.2 us of a kept log line's ~4 us. Nothing else may be encoded in between.
 * `propsJson`, when given, must be exactly JSON.stringify(event.props): a parser that writes the
 * same few props on every event builds that text from a template for ~30 ns instead of ~230.
 */
export function measureEvent(event: ClickEvent, propsJson: string | null = null): number {
  encodeHeader(event, false, propsJson)
  const text = hText
  hText = ''
  const bytes = Buffer.byteLength(text, 'utf8')
  // Almost every event is ASCII (ids, URLs as sent, user agents): then a string's length is its
  // byte count. Otherwise the header is written again with byte counts.
  mAscii = bytes === text.length
  if (mAscii) {
    scratch[1] = ASCII
    mEnd = hPos
  } else {
    encodeHeader(event, true, propsJson)
    mEnd = hPos
    hText = ''
  }
  mText = text
  return mEnd + bytes
}

/** Writes the event measureEvent measured into `out` at `at` (its size must fit). */
export function writeMeasured(out: Buffer, at: number): void {
  const end = mEnd
  // A header is ~40-80 bytes: a loop beats Buffer#copy's argument checks and native call.
  for (let i = 0; i < end; i++) out[at + i] = scratch[i]!
  const raw = out as RawBuffer
  if (mAscii) raw.latin1Write(mText, at + end)
  else raw.utf8Write(mText, at + end)
  mText = ''
}

/** Encodes `event` in the binary format. */
export function encodeEvent(event: ClickEvent): Buffer {
  const out = Buffer.allocUnsafe(measureEvent(event))
  writeMeasured(out, 0)
  return out
}

/** Thrown for bytes that are not a binary event record of a version this build reads. */
function corrupt(why: string): Error {
  return new Error(`log record is not a readable event: ${why}`)
}

// The header's per-field results of one decode, reused (decoding is synchronous).
const starts = new Int32Array(COUNT)
const ends = new Int32Array(COUNT)
const nums = new Float64Array(COUNT)

// The record being decoded, for the field readers below. Module functions rather than closures in
// decodeEvent: tsx (esbuild keepNames) wraps every closure it creates in a naming call, which cost
// a third of decoding.
let current: RawBuffer = Buffer.alloc(0) as RawBuffer
let block = 0
let asciiBlock = true

function str(i: number): string | null {
  const a = starts[i]!
  if (a < 0 || wanted[i] === 0) return null
  const from = block + a
  const to = block + ends[i]!
  if (!asciiBlock) return current.utf8Slice(from, to)
  const how = HOW[i]!
  if (how === INTERN && to - from <= INTERN_MAX[i]!) return interned(i, from, to)
  // A decode of a few fields (a mask) slices each: the block would be mostly fields it skips.
  if (how !== SLICE_OF_BLOCK || wanted !== ALL_FIELDS) return current.latin1Slice(from, to)
  // One native slice of the whole block per event, then substrings of it: V8 makes a substring
  // of 13+ characters a view of the block (no copy), which keeps the block alive as long as the
  // substring lives, so only fields no component keeps past its batch are read this way.
  if (blockText === null) blockText = current.latin1Slice(block, current.length)
  return blockText.substring(a, ends[i]!)
}

// Fields with few distinct values (event type, site, host, channel, country, browser, user agent,
// UTM, ...) come back as the same string objects: a hash of the bytes finds the string decoded
// before, checked byte by byte. A native slice per field and the garbage it left were most of
// decoding; this is about a third of the time of a slice for short values, and allocates nothing.
/** Per field, the longest value interned (0: never, ids and URLs are mostly unique). */
const INTERN_MAX = new Uint16Array(COUNT)
for (const [name, max] of [
  ['event_type', 32],
  ['event_name', 64],
  ['source_id', 64],
  ['site', 64],
  ['page_host', 64],
  ['page_path', 64],
  ['referrer_host', 64],
  ['channel', 32],
  ['user_agent', 320],
  ['country', 8],
  ['region', 64],
  ['city', 64],
  ['browser', 32],
  ['browser_version', 32],
  ['os', 32],
  ['os_version', 32],
  ['device_type', 32],
  ['utm_source', 64],
  ['utm_medium', 64],
  ['utm_campaign', 64],
  ['utm_term', 64],
  ['utm_content', 64],
  ['click_id_type', 16],
] as const)
  INTERN_MAX[FIELDS.findIndex(([n]) => n === name)] = max
const SLICE_OF_BLOCK = 1
const INTERN = 2
/** How each string field is read: interned (above), a view of the block, or (0) a copy of its bytes. */
const HOW = new Uint8Array(COUNT)
for (let i = 0; i < COUNT; i++) if (INTERN_MAX[i]! > 0) HOW[i] = INTERN
// Unique per event and never kept past a batch (sessions keep ids, referrer and pages; the live
// view keeps visitor ids and pages; the geo and IP transforms cache addresses): ids of a page view
// and a click, the URL and its query, the title, and the props' JSON, which is parsed at once.
for (const name of ['page_view_id', 'page_url', 'page_query', 'page_title', 'click_id', 'props'] as const)
  HOW[FIELDS.findIndex(([n]) => n === name)] = SLICE_OF_BLOCK
let blockText: string | null = null

/**
 * Strings kept per field: a direct-mapped table indexed by the hash (a value whose slot another
 * took is sliced again and takes the slot back). An array read is a fraction of a Map lookup, and
 * a full table needs no clearing.
 */
const INTERN_SLOTS = 4096
const internTables: (string | undefined)[][] = FIELDS.map(() => [])
for (let i = 0; i < COUNT; i++)
  if (INTERN_MAX[i]! > 0) internTables[i] = new Array<string | undefined>(INTERN_SLOTS).fill(undefined)

function interned(i: number, from: number, to: number): string {
  const buf = current
  let h = 0x811c9dc5 ^ (to - from)
  if (to - from <= 32) for (let k = from; k < to; k++) h = Math.imul(h ^ buf[k]!, 0x01000193)
  else {
    // Long values (user agents): the hash only picks the candidate, the comparison below decides,
    // so the first and last 16 bytes and the length are enough to tell the distinct values apart.
    for (let k = from; k < from + 16; k++) h = Math.imul(h ^ buf[k]!, 0x01000193)
    for (let k = to - 16; k < to; k++) h = Math.imul(h ^ buf[k]!, 0x01000193)
  }
  const table = internTables[i]!
  const slot = (h ^ (h >>> 16)) & (INTERN_SLOTS - 1)
  const hit = table[slot]
  if (hit !== undefined && hit.length === to - from) {
    let same = true
    for (let k = 0; k < hit.length; k++)
      if (hit.charCodeAt(k) !== buf[from + k]) {
        same = false
        break
      }
    if (same) return hit
  }
  const s = buf.latin1Slice(from, to)
  table[slot] = s
  return s
}

function num(i: number): number | null {
  return starts[i]! < 0 || wanted[i] === 0 ? null : nums[i]!
}

function bool(i: number): boolean {
  return starts[i]! >= 0 && wanted[i] !== 0
}

/**
 * Which fields a decode builds (1) and which it leaves null (0), in format order: see
 * {@link fieldMask}. A consumer that reads a few fields (the stream processor and the live view read
 * about two thirds, and need the user agent, the address, the URL's parts and the click id of no
 * event) skips their strings: slices, hashing and the garbage they leave were most of decoding.
 */
export type FieldMask = Readonly<Uint8Array>

/** Every field: a full decode. */
export const ALL_FIELDS: FieldMask = new Uint8Array(COUNT).fill(1)

/** In a mask: `props` only for engagement events (the `engaged_ms` field, see EventField). */
const ENGAGEMENT_PROPS = 2
const PROPS = FIELDS.findIndex(([n]) => n === 'props')

/**
 * The mask of `fields`. `source_id` is always in it: the pipeline routes events by their source.
 * Fields left out come back null (numbers and strings), false (flags), '' (the event id) or 0
 * (times); the event type is always decoded (it is one interned string). `engaged_ms` decodes
 * `props` of engagement events only.
 */
export function fieldMask(fields: Iterable<EventField>): FieldMask {
  const mask = new Uint8Array(COUNT)
  for (const f of [...fields, 'source_id', 'event_type'] as const) {
    if (f === 'engaged_ms') {
      if (mask[PROPS] === 0) mask[PROPS] = ENGAGEMENT_PROPS
      continue
    }
    const i = EVENT_FIELD_NAMES.indexOf(f)
    if (i < 0) throw new Error(`fieldMask: ${String(f)} is not an event field`)
    mask[i] = 1
  }
  return mask
}

let wanted: FieldMask = ALL_FIELDS

/**
 * Decodes a binary event record (first byte {@link FORMAT_V1}); with a `mask`, only its fields (the
 * others as {@link fieldMask} says).
 */
export function decodeEvent(value: Buffer, mask: FieldMask = ALL_FIELDS): ClickEvent {
  const buf = value as RawBuffer
  const n = buf.length
  if (n < HEADER_START || buf[0] !== FORMAT_V1) throw corrupt('no binary event header')
  const ascii = (buf[1]! & ASCII) !== 0
  const b0 = buf[2]!
  const b1 = buf[3]!
  const b2 = buf[4]!
  const b3 = buf[5]!
  const b4 = buf[6]!
  const b5 = buf[7]!
  if (b5 >> (COUNT - 40) !== 0)
    throw corrupt('fields unknown to this version (written by a newer clickflow?)')
  // Pass 1: the header gives each string's length; the block starts where the header ends.
  let pos = HEADER_START
  let blockLen = 0
  for (let i = 0; i < COUNT; i++) {
    const byte = i < 8 ? b0 : i < 16 ? b1 : i < 24 ? b2 : i < 32 ? b3 : i < 40 ? b4 : b5
    if ((byte & (1 << (i & 7))) === 0) {
      starts[i] = -1
      continue
    }
    const kind = KINDS[i]!
    if (kind === KIND_NUM) {
      if (pos + 8 > n) throw corrupt('truncated header')
      nums[i] = buf.readDoubleLE(pos)
      pos += 8
    } else if (kind === KIND_BOOL) {
      nums[i] = 1
    } else {
      // Lengths under 128 (one byte) are nearly all of them: read without the loop.
      if (pos >= n) throw corrupt('truncated header')
      let len = buf[pos++]!
      if (len >= 0x80) {
        len &= 0x7f
        let mul = 128
        let b: number
        do {
          if (pos >= n) throw corrupt('truncated header')
          b = buf[pos++]!
          len += (b & 0x7f) * mul
          mul *= 128
        } while (b & 0x80)
      }
      starts[i] = blockLen
      blockLen += len
      ends[i] = blockLen
      continue
    }
    starts[i] = 0
  }
  if (pos + blockLen !== n) throw corrupt(`block of ${n - pos} bytes, header says ${blockLen}`)
  block = pos
  asciiBlock = ascii
  current = buf
  blockText = null
  wanted = mask
  const type = (str(1) ?? 'pageview') as EventType
  const propsText = mask[PROPS] === ENGAGEMENT_PROPS && type !== 'engagement' ? null : str(40)
  // One object literal in the contract's order: every event has the same shape (monomorphic reads
  // in the transforms and sinks).
  return {
    event_id: str(0) ?? '',
    event_type: type,
    event_name: str(2),
    event_time: num(3) ?? 0,
    received_at: num(4) ?? 0,
    sent_at: num(5),
    source_id: str(6) ?? '',
    site: str(7),
    visitor_id: str(8),
    session_id: str(9),
    user_id: str(10),
    page_view_id: str(11),
    page_url: str(12),
    page_host: str(13),
    page_path: str(14),
    page_query: str(15),
    page_title: str(16),
    referrer: str(17),
    referrer_host: str(18),
    channel: str(19),
    user_agent: str(20),
    ip: str(21),
    country: str(22),
    region: str(23),
    city: str(24),
    browser: str(25),
    browser_version: str(26),
    os: str(27),
    os_version: str(28),
    device_type: str(29),
    is_bot: bool(30),
    is_duplicate: bool(31),
    is_corrupt: bool(32),
    utm_source: str(33),
    utm_medium: str(34),
    utm_campaign: str(35),
    utm_term: str(36),
    utm_content: str(37),
    click_id_type: str(38),
    click_id: str(39),
    props: propsText === null ? null : (JSON.parse(propsText) as ClickEvent['props']),
  }
}
