/**
 * The copy-paste walk-through printed at start: `curl` commands that get a token for each demo
 * client, call every route, and read the verification counters on `/metrics`; with `DPOP` on, calls
 * made by the example's DPoP client script (curl cannot sign proofs). The same steps drive the
 * end-to-end test, so what is printed is what is tested.
 *
 * @module
 */
import type { DpopMode } from './config.js'
import { DEMO_CLIENTS, type DemoClient } from './demo-clients.js'
import { DEFAULT_DPOP_ISSUER } from './dpop-call-args.js'

/** The upload used by the walk-through, relative to the repository root. */
export const DEMO_PHOTO = 'examples/photo-api/assets/demo.png'

/** One step: a request, shown as a `curl` command. */
export interface WalkthroughStep {
  /** What the step shows (printed as a comment). */
  title: string
  /** The HTTP method. */
  method: 'GET' | 'POST' | 'DELETE'
  /** The full URL; `$PHOTO_ID` is substituted from an earlier step. */
  url: string
  /** The demo client whose token is sent: `$TOKEN` (writer) or `$READ_TOKEN` (reader). */
  token?: 'TOKEN' | 'READ_TOKEN'
  /** Get a token for this client at the issuer (client-credentials grant, HTTP Basic). */
  client?: DemoClient
  /** Send {@link DEMO_PHOTO} as `image/png`. */
  upload?: boolean
  /** Store this JSON member of the answer in a shell variable. */
  capture?: { variable: 'TOKEN' | 'READ_TOKEN' | 'PHOTO_ID'; member: string }
  /** Print only the lines of the (text) answer that start with this metric name. */
  metric?: string
  /**
   * Made by `npm run dpop-call` with a token from `issuer` for this demo client (a DPoP-bound
   * token, a fresh proof per request).
   */
  dpop?: { client: keyof typeof DEMO_CLIENTS; issuer: string }
  /** The status the README promises. */
  expectStatus: number
}

/**
 * The walk-through's steps for an API at `api` trusting the development issuer at `issuer`: the
 * bearer steps, plus DPoP calls with `DPOP=allowed`; with `DPOP=required`, the steps a bearer
 * token can no longer take are replaced by DPoP calls.
 *
 * @throws Never.
 * @example
 * ```ts
 * console.log(formatWalkthrough(walkthroughSteps('http://127.0.0.1:3000', 'http://127.0.0.1:3001')))
 * ```
 */
export function walkthroughSteps(
  api: string,
  issuer: string,
  dpop: DpopMode = 'off',
): WalkthroughStep[] {
  if (dpop === 'required') return dpopRequiredSteps(api, issuer)
  const steps = bearerSteps(api, issuer)
  if (dpop === 'off') return steps
  // The DPoP calls go before the counters, so the counters show them too.
  return [...steps.slice(0, -1), ...dpopSteps(api, issuer), steps.at(-1)!]
}

/** DPoP calls through the example's client script. */
function dpopSteps(api: string, issuer: string): WalkthroughStep[] {
  return [
    {
      title:
        'DPoP (RFC 9449): a token bound to a new key, then a fresh proof per request (npm run dpop-call)',
      method: 'GET',
      url: `${api}/photos?limit=10`,
      dpop: { client: 'reader', issuer },
      expectStatus: 200,
    },
    {
      title: 'DPoP upload (photos.write): 201',
      method: 'POST',
      url: `${api}/photos`,
      dpop: { client: 'writer', issuer },
      upload: true,
      expectStatus: 201,
    },
  ]
}

/** With `DPOP=required`: what needs no token, a bearer token refused, then DPoP calls. */
function dpopRequiredSteps(api: string, issuer: string): WalkthroughStep[] {
  const bearer = bearerSteps(api, issuer)
  const byTitle = (start: string): WalkthroughStep => bearer.find((s) => s.title.startsWith(start))!
  return [
    byTitle('Token for the demo client'),
    byTitle('Health'),
    byTitle('Protected resource metadata'),
    { ...byTitle('No token'), title: 'No token: 401 with a DPoP challenge' },
    {
      title: 'DPOP=required: a bearer token is not enough, 401 with a DPoP challenge',
      method: 'GET',
      url: `${api}/photos`,
      token: 'TOKEN',
      expectStatus: 401,
    },
    ...dpopSteps(api, issuer),
    {
      ...bearer.at(-1)!,
      title: 'The verification counters (Prometheus text): the 401s and the DPoP calls above',
    },
  ]
}

/** The bearer walk-through (`DPOP=off`). */
function bearerSteps(api: string, issuer: string): WalkthroughStep[] {
  const token = `${issuer}/token`
  return [
    {
      title: 'Token for the demo client (photos.read photos.write)',
      method: 'POST',
      url: token,
      client: DEMO_CLIENTS.writer,
      capture: { variable: 'TOKEN', member: 'access_token' },
      expectStatus: 200,
    },
    {
      title: 'Token for the read-only demo client (photos.read)',
      method: 'POST',
      url: token,
      client: DEMO_CLIENTS.reader,
      capture: { variable: 'READ_TOKEN', member: 'access_token' },
      expectStatus: 200,
    },
    { title: 'Health (no token needed)', method: 'GET', url: `${api}/health`, expectStatus: 200 },
    {
      title: 'Protected resource metadata, RFC 9728 (no token needed)',
      method: 'GET',
      url: `${api}/.well-known/oauth-protected-resource`,
      expectStatus: 200,
    },
    {
      title: 'No token: 401 with a WWW-Authenticate challenge',
      method: 'GET',
      url: `${api}/photos`,
      expectStatus: 401,
    },
    {
      title: 'Upload a photo (photos.write): 201, keeps its id in $PHOTO_ID',
      method: 'POST',
      url: `${api}/photos`,
      token: 'TOKEN',
      upload: true,
      capture: { variable: 'PHOTO_ID', member: 'id' },
      expectStatus: 201,
    },
    {
      title: 'List photos, newest first (photos.read)',
      method: 'GET',
      url: `${api}/photos?limit=10`,
      token: 'READ_TOKEN',
      expectStatus: 200,
    },
    {
      title: "One photo's metadata (photos.read)",
      method: 'GET',
      url: `${api}/photos/$PHOTO_ID`,
      token: 'READ_TOKEN',
      expectStatus: 200,
    },
    {
      title: 'Its bytes (photos.read)',
      method: 'GET',
      url: `${api}/photos/$PHOTO_ID/content`,
      token: 'READ_TOKEN',
      expectStatus: 200,
    },
    {
      title: 'The read-only client may not upload: 403 insufficient_scope',
      method: 'POST',
      url: `${api}/photos`,
      token: 'READ_TOKEN',
      upload: true,
      expectStatus: 403,
    },
    {
      title: 'Delete it (photos.write): 204',
      method: 'DELETE',
      url: `${api}/photos/$PHOTO_ID`,
      token: 'TOKEN',
      expectStatus: 204,
    },
    {
      title: 'Gone: 404',
      method: 'GET',
      url: `${api}/photos/$PHOTO_ID`,
      token: 'TOKEN',
      expectStatus: 404,
    },
    {
      title: 'The verification counters (Prometheus text): the 401 and the 403 above are counted',
      method: 'GET',
      url: `${api}/metrics`,
      metric: 'scopeguard_verifications_total',
      expectStatus: 200,
    },
  ]
}

const readMember = (member: string): string =>
  `node -pe "JSON.parse(require('fs').readFileSync(0, 'utf8')).${member}"`

/**
 * One step as a shell command line (POSIX shell; `node` reads the JSON answers).
 *
 * @throws Never.
 * @example
 * ```ts
 * formatStep(walkthroughSteps(api, issuer)[2]!) // 'curl -i http://127.0.0.1:3000/health'
 * ```
 */
export function formatStep(step: WalkthroughStep): string {
  if (step.dpop !== undefined) return formatDpopStep(step)
  const args: string[] = []
  if (step.method === 'DELETE') args.push('-X DELETE')
  if (step.client !== undefined)
    args.push(`-u ${step.client.id}:${step.client.secret}`, '-d grant_type=client_credentials')
  if (step.token !== undefined) args.push(`-H "Authorization: Bearer $${step.token}"`)
  if (step.upload === true)
    args.push('-H "Content-Type: image/png"', `--data-binary @${DEMO_PHOTO}`)
  const url = step.url.includes('$') || step.url.includes('?') ? `"${step.url}"` : step.url
  if (step.capture !== undefined) {
    return `export ${step.capture.variable}=$(curl -s ${[...args, url].join(' ')} | ${readMember(step.capture.member)})`
  }
  if (step.metric !== undefined) {
    return `curl -s ${[...args, url].join(' ')} | grep ^${step.metric}`
  }
  if (step.url.endsWith('/content')) {
    return `curl -s -o photo.png -w "%{http_code} %{content_type} %{size_download} bytes\\n" ${[...args, url].join(' ')}`
  }
  return `curl -si ${[...args, url].join(' ')}`
}

/**
 * The arguments of `npm run dpop-call` for a DPoP step (`--issuer` unless the default).
 *
 * @throws Never.
 * @example
 * ```ts
 * dpopCallArgv(step) // ['--client', 'reader', 'GET', 'http://127.0.0.1:3000/photos?limit=10']
 * ```
 */
export function dpopCallArgv(step: WalkthroughStep): string[] {
  const argv: string[] = []
  if (step.dpop === undefined) return argv
  if (step.dpop.issuer !== DEFAULT_DPOP_ISSUER) argv.push('--issuer', step.dpop.issuer)
  if (step.dpop.client === 'reader') argv.push('--client', 'reader')
  if (step.upload === true) argv.push('--file', DEMO_PHOTO)
  argv.push(step.method, step.url)
  return argv
}

/** A DPoP step as the `npm run dpop-call` command line. */
function formatDpopStep(step: WalkthroughStep): string {
  const argv = dpopCallArgv(step).map((arg) => (arg.includes('?') ? `"${arg}"` : arg))
  return ['npm run -s dpop-call --workspace examples/photo-api --', ...argv].join(' ')
}

/**
 * The printed walk-through: a comment line and a command line per step.
 *
 * @throws Never.
 * @example
 * ```ts
 * console.log(formatWalkthrough(walkthroughSteps(api, issuer)))
 * ```
 */
export function formatWalkthrough(steps: readonly WalkthroughStep[]): string {
  return steps.map((step) => `# ${step.title}\n${formatStep(step)}`).join('\n\n')
}
