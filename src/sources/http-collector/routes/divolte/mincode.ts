// Decoder of Divolte's "mincode", the compact text form of custom event parameters (`u`), into a
// JSON value. Grammar in ../shared/protocols.md. Malformed input throws MincodeError with the offset;
// nesting is bounded so a depth bomb costs nothing.
import type { JsonValue } from '../../../../core/event.ts'
import { parseBase36Int } from './base36.ts'

/** Deepest nesting of objects and arrays a decoded value may have. */
export const MAX_MINCODE_DEPTH = 32

/** Malformed mincode; `offset` is where in the text the problem is. */
export class MincodeError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message)
    this.name = 'MincodeError'
  }
}

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/
const TYPES = new Set(['s', 'd', 'j', 't', 'f', 'n', 'o', '(', 'a'])

class Reader {
  pos = 0
  constructor(
    readonly text: string,
    readonly maxDepth: number,
  ) {}

  fail(message: string, offset = this.pos): never {
    throw new MincodeError(`mincode: ${message}`, offset)
  }

  /** Text up to the next unescaped `!`, which is consumed; `~` escapes the character after it. */
  token(what: string): string {
    const start = this.pos
    const { text } = this
    let out = ''
    let from = this.pos
    for (;;) {
      if (this.pos >= text.length) this.fail(`${what} starting at offset ${start} has no closing "!"`, start)
      const ch = text[this.pos]
      if (ch === '!') {
        out += text.slice(from, this.pos)
        this.pos++
        return out
      }
      if (ch === '~') {
        if (this.pos + 1 >= text.length) this.fail(`"~" at offset ${this.pos} escapes nothing`)
        out += text.slice(from, this.pos) + text[this.pos + 1]
        this.pos += 2
        from = this.pos
      } else this.pos++
    }
  }

  /** One record: a type character, then its value. */
  record(depth: number): JsonValue {
    if (this.pos >= this.text.length) this.fail(`expected a value at offset ${this.pos}, reached the end`)
    return this.value(this.type(), this.pos - 1, depth)
  }

  /** Reads a record's type character, which must be a known one. */
  type(): string {
    const type = this.text[this.pos]!
    if (!TYPES.has(type)) this.fail(`unknown record type ${JSON.stringify(type)} at offset ${this.pos}`)
    this.pos++
    return type
  }

  /** The value of a record whose type character, at offset `at`, was read. */
  value(type: string, at: number, depth: number): JsonValue {
    switch (type) {
      case 's':
        return this.token('the string')
      case 'd': {
        const digits = this.token('the integer')
        const n = parseBase36Int(digits)
        if (n === null)
          this.fail(`"${digits.slice(0, 40)}" at offset ${at + 1} is not a base-36 integer`, at + 1)
        return n
      }
      case 'j': {
        const literal = this.token('the number')
        const n = Number(literal)
        if (!JSON_NUMBER.test(literal) || !Number.isFinite(n)) {
          this.fail(`"${literal.slice(0, 40)}" at offset ${at + 1} is not a finite JSON number`, at + 1)
        }
        return n
      }
      case 't':
        return true
      case 'f':
        return false
      case 'n':
        return null
      case 'o':
        return {}
      case '(':
        return this.object(at, depth + 1)
      case 'a':
        return this.array(at, depth + 1)
      default:
        return this.fail(`unknown record type ${JSON.stringify(type)} at offset ${at}`, at)
    }
  }

  object(start: number, depth: number): JsonValue {
    if (depth > this.maxDepth)
      this.fail(`nesting deeper than ${this.maxDepth} levels at offset ${start}`, start)
    const obj: { [key: string]: JsonValue } = {}
    for (;;) {
      if (this.pos >= this.text.length)
        this.fail(`the object opened at offset ${start} is not closed by ")"`, start)
      if (this.text[this.pos] === ')') {
        this.pos++
        return obj
      }
      const at = this.pos
      const type = this.type()
      const name = this.token('the field name')
      // defineProperty: a field named "__proto__" is data, not the object's prototype.
      Object.defineProperty(obj, name, {
        value: this.value(type, at, depth),
        enumerable: true,
        writable: true,
        configurable: true,
      })
    }
  }

  array(start: number, depth: number): JsonValue {
    if (depth > this.maxDepth)
      this.fail(`nesting deeper than ${this.maxDepth} levels at offset ${start}`, start)
    const items: JsonValue[] = []
    for (;;) {
      if (this.pos >= this.text.length)
        this.fail(`the array opened at offset ${start} is not closed by "."`, start)
      if (this.text[this.pos] === '.') {
        this.pos++
        return items
      }
      items.push(this.record(depth))
    }
  }
}

/** Decodes one mincode value; throws MincodeError when `text` is not exactly one well-formed value. */
export function decodeMincode(text: string, maxDepth = MAX_MINCODE_DEPTH): JsonValue {
  const reader = new Reader(text, maxDepth)
  const value = reader.record(0)
  if (reader.pos !== text.length) {
    reader.fail(`unexpected ${JSON.stringify(text[reader.pos])} at offset ${reader.pos} after the value`)
  }
  return value
}
