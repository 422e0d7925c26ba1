import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'
import { loadConfig, type Config } from './config.js'
import { isFeaturegateError } from './errors.js'
import { gracefulShutdown, shutdownBudgetMs } from './graceful-shutdown.js'

function configOrExit (): Config {
  try {
    return loadConfig()
  } catch (error) {
    // One line naming the variable and what is allowed; a stack trace would only bury it.
    process.stderr.write(`featuregate: ${isFeaturegateError(error) ? error.message : String(error)}\n`)
    process.exit(1)
  }
}

const config = configOrExit()
const app = await buildApp(config).catch((error: unknown) => {
  if (!isFeaturegateError(error)) throw error
  process.stderr.write(`featuregate: ${error.message}\n`)
  process.exit(1)
})

// SIGTERM/SIGINT: drain and exit 0; past the budget (delay + grace) in-flight work is cut off and
// the exit is 1, so an operator sees it. A second signal exits at once.
closeWithGrace({
  delay: shutdownBudgetMs(config.lifecycle),
  onTimeout: (budgetMs) => app.log.error({ budgetMs }, 'Shutdown grace period exceeded; exiting with calls still in flight'),
  onSecondSignal: (signal) => app.log.warn({ signal }, 'Second signal; exiting now')
}, async ({ signal, err }) => {
  if (err !== undefined) app.log.error({ err }, 'Shutting down after an error')
  else app.log.info({ signal, ...config.lifecycle }, 'Shutting down')
  // After a crash there is no point waiting for load balancers: stop as fast as draining allows.
  await gracefulShutdown(app, config.lifecycle, { skipDelay: err !== undefined })
})

await app.listen({ host: config.host, port: config.httpPort })
