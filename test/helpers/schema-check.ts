// A small checker for the subset of JSON Schema the OpenAPI document uses (type, properties,
// required, items, anyOf, allOf, enum, const, minimum, maximum, $ref), so tests can hold real API
// answers against the published document without a validator dependency.

type Schema = Record<string, unknown>

function resolve(doc: unknown, ref: string): Schema {
  let node: unknown = doc
  for (const part of ref.replace(/^#\//, '').split('/')) node = (node as Record<string, unknown>)[part]
  if (!node) throw new Error(`unresolved $ref ${ref}`)
  return node as Schema
}

function typeOk(type: string, v: unknown): boolean {
  switch (type) {
    case 'null':
      return v === null
    case 'array':
      return Array.isArray(v)
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v)
    case 'integer':
      return Number.isInteger(v)
    case 'number':
      return typeof v === 'number' && Number.isFinite(v)
    default:
      return typeof v === type
  }
}

/** Problems of `value` against `schema` (empty when it matches), each with its JSON path. */
export function matchesSchema(doc: unknown, schema: Schema, value: unknown, path = '$'): string[] {
  if (typeof schema.$ref === 'string') return matchesSchema(doc, resolve(doc, schema.$ref), value, path)
  const problems: string[] = []
  if (Array.isArray(schema.anyOf)) {
    const fits = (schema.anyOf as Schema[]).some((s) => matchesSchema(doc, s, value, path).length === 0)
    if (!fits) problems.push(`${path}: matches none of the alternatives`)
  }
  if (Array.isArray(schema.allOf))
    for (const s of schema.allOf as Schema[]) problems.push(...matchesSchema(doc, s, value, path))
  if (typeof schema.type === 'string' && !typeOk(schema.type, value)) {
    problems.push(`${path}: expected ${schema.type}, got ${JSON.stringify(value)}`)
    return problems
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    problems.push(`${path}: not one of ${schema.enum.join(', ')}`)
  if ('const' in schema && schema.const !== value)
    problems.push(`${path}: must be ${JSON.stringify(schema.const)}`)
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum)
      problems.push(`${path}: below ${schema.minimum}`)
    if (typeof schema.maximum === 'number' && value > schema.maximum)
      problems.push(`${path}: above ${schema.maximum}`)
  }
  if (
    typeof schema.pattern === 'string' &&
    typeof value === 'string' &&
    !new RegExp(schema.pattern).test(value)
  )
    problems.push(`${path}: does not match ${schema.pattern}`)
  if (schema.type === 'object' && typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>
    for (const k of (schema.required as string[] | undefined) ?? [])
      if (!(k in o)) problems.push(`${path}.${k}: missing`)
    for (const [k, s] of Object.entries((schema.properties as Record<string, Schema> | undefined) ?? {}))
      if (k in o) problems.push(...matchesSchema(doc, s, o[k], `${path}.${k}`))
  }
  if (schema.type === 'array' && Array.isArray(value) && schema.items)
    for (const [i, v] of value.entries())
      problems.push(...matchesSchema(doc, schema.items as Schema, v, `${path}[${i}]`))
  return problems
}
