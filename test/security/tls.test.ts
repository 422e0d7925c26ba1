import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as grpc from '@grpc/grpc-js'
import { generate } from 'selfsigned'
import { FeatureStoreClient } from '../../examples/grpc-client.js'
import { build } from '../helpers/build-app.js'

t.test('TLS on both ports when a certificate is configured', async (t) => {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }]
  })
  const dir = mkdtempSync(join(tmpdir(), 'fg-tls-'))
  writeFileSync(join(dir, 'cert.pem'), pems.cert)
  writeFileSync(join(dir, 'key.pem'), pems.private)
  const app = await build(t, { DEMO_USERS: '5', TLS_CERT_FILE: join(dir, 'cert.pem'), TLS_KEY_FILE: join(dir, 'key.pem') })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const httpPort = (app.server.address() as { port: number }).port

  const status = await new Promise<number>((resolve, reject) => {
    request({ host: '127.0.0.1', port: httpPort, path: '/readyz', ca: pems.cert, servername: 'localhost' }, (response) => {
      response.resume()
      resolve(response.statusCode ?? 0)
    }).on('error', reject).end()
  })
  t.equal(status, 200, 'HTTPS answers with the configured certificate')

  const secure = new FeatureStoreClient(`localhost:${app.grpcPort}`, { credentials: grpc.credentials.createSsl(Buffer.from(pems.cert)), defaultDeadlineMs: 10_000 })
  t.teardown(() => secure.close())
  const answer = await secure.getOnlineFeatures(['user_1'], ['user_profile:region'])
  t.ok(answer, 'gRPC over TLS answers')

  const plaintext = new FeatureStoreClient(`127.0.0.1:${app.grpcPort}`, { defaultDeadlineMs: 3_000 })
  t.teardown(() => plaintext.close())
  const refused = await plaintext.getOnlineFeatures(['user_1'], ['user_profile:region']).then(() => undefined, (error: grpc.ServiceError) => error)
  t.ok(refused !== undefined && refused.code === grpc.status.UNAVAILABLE, 'a plaintext client cannot talk to the TLS port')
})
