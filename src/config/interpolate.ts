// ${ENV} interpolation on the raw config text, before YAML parsing, so a substituted value is typed
// by YAML like a literal would be. `${VAR:-default}` gives a default; `$${` writes a literal `${`.
import type { ConfigIssue } from '../core/errors.ts'

const PATTERN = /\$(\$)?\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g

/** Replaces every `${VAR}` from `env`; an unset variable without default is an issue (with its line). */
export function interpolate(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
): { text: string; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = []
  const lines = text.split('\n')
  const out = lines.map((line, i) =>
    line.replace(
      PATTERN,
      (whole, escaped: string | undefined, name: string, fallback: string | undefined) => {
        if (escaped) return whole.slice(1)
        const value = env[name]
        if (value !== undefined) return value
        if (fallback !== undefined) return fallback
        issues.push({
          path: `line ${i + 1}`,
          message: `environment variable ${name} is not set (set it, or write \${${name}:-default})`,
        })
        return ''
      },
    ),
  )
  return { text: out.join('\n'), issues }
}
