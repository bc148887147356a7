// Regenerates docs/config.md from the schemas. Run with `npm run docs`; a test fails when it is stale.
import { writeFileSync } from 'node:fs'
import { renderConfigReference } from '../src/config/reference.ts'
import { builtinRegistry } from '../src/topology/builtin-registry.ts'

writeFileSync('docs/config.md', renderConfigReference(builtinRegistry()))
process.stdout.write('wrote docs/config.md\n')
