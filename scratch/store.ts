import { writeFileSync } from 'node:fs'
import { startEmbeddedDynamo } from '../src/repo/embedded-dynamo.js'
const dynamo = await startEmbeddedDynamo({ dataDir: '/tmp/pullstore', port: 8765 })
writeFileSync('/tmp/pullstore.endpoint', dynamo.endpoint)
console.log(dynamo.endpoint)
setInterval(() => {}, 1e9)
