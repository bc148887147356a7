#!/usr/bin/env node
// Entry point of the installed `clickflow` command: runs the TypeScript CLI through tsx's loader,
// so the package ships its sources and needs no build step.
import { register } from 'tsx/esm/api'

register()
await import('../src/cli/main.ts')
