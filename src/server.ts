import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'
import { loadConfig, type Config } from './config.js'
import { isFeaturegateError } from './errors.js'

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

closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
  if (err !== undefined) app.log.error({ err }, 'Shutting down after an error')
  else app.log.info({ signal }, 'Shutting down')
  app.readiness.drain()
  await app.close()
})

await app.listen({ host: config.host, port: config.httpPort })
