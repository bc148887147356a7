// Regenerates docs/config.md from the schemas and the admin API reference in docs/api.md from the
// OpenAPI document. Run with `npm run docs`; a test fails when it is stale.
import { readFileSync, writeFileSync } from 'node:fs'
import { withOpenApiSection } from '../src/api/openapi.ts'
import { renderConfigReference } from '../src/config/reference.ts'
import { builtinRegistry } from '../src/topology/builtin-registry.ts'

writeFileSync('docs/config.md', renderConfigReference(builtinRegistry()))
process.stdout.write('wrote docs/config.md\n')
writeFileSync('docs/api.md', withOpenApiSection(readFileSync('docs/api.md', 'utf8')))
process.stdout.write('wrote the generated part of docs/api.md\n')
