// The one HTML page of the dashboard: a shell that loads the hashed script and stylesheet. Its
// Content-Security-Policy allows this origin only, so the page can make no request elsewhere.
/**
 * Same origin only; inline styles for the style attributes Preact and uPlot set; `data:` for the
 * empty favicon (which keeps the browser from asking /favicon.ico) and the CSV download's blob.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ')

/** The page that loads the script and stylesheet at these paths. */
export function dashboardHtml(scriptPath: string, stylePath: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light">
<title>clickflow</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${stylePath}">
<script type="module" src="${scriptPath}"></script>
</head>
<body>
<div id="app"></div>
<noscript>The clickflow dashboard needs JavaScript. The API works without it: see docs/api.md.</noscript>
</body>
</html>
`
}
