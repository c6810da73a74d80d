/**
 * `npm start`: reads the environment, starts the example, prints where it listens (and, with the
 * development issuer, the copy-paste walk-through), and stops cleanly on SIGINT/SIGTERM.
 *
 * @module
 */
import 'reflect-metadata'
import { ConfigurationError } from '@scopeguard/core'
import { startApp } from './app.js'
import { ConfigError, loadConfig } from './config.js'
import { formatWalkthrough, walkthroughSteps } from './walkthrough.js'

try {
  const app = await startApp(loadConfig(process.env))
  console.log(`scopeguard photo API (${app.framework}) listening on ${app.url}`)
  if (app.devIssuerUrl !== undefined) {
    console.log(`development issuer (no ISSUER set) at ${app.devIssuerUrl}`)
    console.log('\nTry it (from the repository root):\n')
    console.log(formatWalkthrough(walkthroughSteps(app.url, app.devIssuerUrl, app.dpop)))
    if (app.dpop === 'off') {
      console.log(
        '\n# DPoP (RFC 9449) and its client script: start with DPOP=allowed (see the README)',
      )
    }
    console.log('')
  }
  const stop = (signal: string): void => {
    console.log(`${signal}: stopping`)
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error)
        process.exit(1)
      },
    )
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
} catch (error) {
  if (error instanceof ConfigError || error instanceof ConfigurationError) {
    console.error(`photo-api: configuration error: ${error.message}`)
  } else {
    console.error('photo-api: could not start:', error)
  }
  process.exitCode = 1
}
