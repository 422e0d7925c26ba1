import { spawn } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as grpc from '@grpc/grpc-js'
import t from 'tap'
import { parse, parseAllDocuments, stringify } from 'yaml'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { GATEWAY_NODE_FLAGS } from '../../src/node-flags.js'
import { loadProtoContract } from '../../src/plugins/grpc/proto-contract.js'
import { findResource, validateKustomization, type Resource } from '../../scripts/validate-k8s.js'
import { testConfig } from '../helpers/build-app.js'
import { parseExposition } from './helpers/prometheus-text.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const BASE = join(ROOT, 'k8s', 'base')

interface Probe { httpGet?: { path: string, port: number | string }, grpc?: { port: number, service?: string } }
interface Container { name: string, ports: Array<{ name: string, containerPort: number }>, livenessProbe: Probe, readinessProbe: Probe, startupProbe: Probe, resources: { requests?: Record<string, string>, limits?: Record<string, string> }, securityContext: Record<string, unknown> }
interface PodSpec { containers: Container[], securityContext: Record<string, unknown>, topologySpreadConstraints?: Array<{ topologyKey: string }>, terminationGracePeriodSeconds: number }

const { resources, problems } = validateKustomization(BASE)
const deployment = findResource(resources, 'Deployment')!
const pod = (deployment.spec as { template: { spec: PodSpec } }).template.spec
const container = pod.containers[0]!
const configMap = findResource(resources, 'ConfigMap')!.data!
const portByName = new Map(container.ports.map((p) => [p.name, p.containerPort]))

t.test('the kustomize base is valid against the Kubernetes and prometheus-operator schemas', async (t) => {
  t.same(problems, [])
  const kinds = new Set(resources.map((r) => r.kind))
  for (const kind of ['Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'ServiceMonitor', 'ConfigMap', 'ServiceAccount', 'NetworkPolicy']) {
    t.ok(kinds.has(kind), `has a ${kind}`)
  }
})

t.test('the validator catches broken manifests', async (t) => {
  const cases: Array<[string, (dir: string) => void, RegExp]> = [
    ['a port that is not a number', (dir) => editDocs(dir, 'deployment.yaml', (d) => { d.spec.template.spec.containers[0].ports[0].containerPort = 'eighty' }), /containerPort must be integer/],
    ['a probe on an undeclared port', (dir) => editDocs(dir, 'deployment.yaml', (d) => { d.spec.template.spec.containers[0].livenessProbe.httpGet.port = 'admin' }), /livenessProbe uses port admin/],
    ['a misspelt probe', (dir) => editDocs(dir, 'deployment.yaml', (d) => { const c = d.spec.template.spec.containers[0]; c.readinesProbe = c.readinessProbe; delete c.readinessProbe }), /has no readinessProbe/],
    ['a grace period shorter than the shutdown budget', (dir) => editDocs(dir, 'deployment.yaml', (d) => { d.spec.template.spec.terminationGracePeriodSeconds = 20 }), /terminationGracePeriodSeconds 20 does not cover/],
    ['a ServiceMonitor on a port the Service lacks', (dir) => editDocs(dir, 'servicemonitor.yaml', (d) => { d.spec.endpoints[0].port = 'prometheus' }), /scrapes port prometheus/],
    ['a Service selecting no pod', (dir) => editDocs(dir, 'service.yaml', (d) => { d.spec.selector = { app: 'other' } }), /Service featuregate selects no pod/],
    ['an HPA without maxReplicas', (dir) => editDocs(dir, 'hpa.yaml', (d) => { delete d.spec.maxReplicas }), /must have required property '?maxReplicas'?/],
    ['a file left out of the kustomization', (dir) => { writeFileSync(join(dir, 'extra.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n') }, /extra.yaml is not listed/],
    ['a kind with no schema', (dir) => editDocs(dir, 'pdb.yaml', (d) => { d.apiVersion = 'policy/v1beta1' }), /no schema for policy\/v1beta1\/PodDisruptionBudget/]
  ]
  for (const [name, breakIt, expected] of cases) {
    const dir = mkdtempSync(join(tmpdir(), 'featuregate-k8s-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    cpSync(BASE, dir, { recursive: true })
    breakIt(dir)
    t.match(validateKustomization(dir).problems.join('\n'), expected, name)
  }
})

t.test('probe ports match the configured ports, and the server answers the probes there', async (t) => {
  // The ConfigMap's environment, as the pod gets it, with the store and auth swapped for test ones.
  const { AWS_REGION: _region, AUTH_API_KEYS_FILE: _keys, ...podEnv } = configMap
  const env = { ...podEnv, DEMO_USERS: '5', LOG_LEVEL: 'silent', REGISTRY_RELOAD_MS: '0' }
  const config = loadConfig(env)
  t.equal(portByName.get('http'), config.httpPort, 'container port "http" is HTTP_PORT')
  t.equal(portByName.get('grpc'), config.grpcPort, 'container port "grpc" is GRPC_PORT')
  t.equal(portByName.get('metrics'), config.metrics.port, 'container port "metrics" is METRICS_PORT')
  const defaults = loadConfig({})
  t.equal(config.httpPort, defaults.httpPort, 'the ConfigMap keeps the default HTTP port')
  t.equal(config.grpcPort, defaults.grpcPort, 'the ConfigMap keeps the default gRPC port')
  t.equal(config.store.changeTable, defaults.store.changeTable, 'the ConfigMap names the change log create-tables makes for the default feature table')
  t.ok(config.changeFeed.pollMs > 0 && config.changeFeed.pollMs <= 2_000, 'replicas follow the change log within the 2 s bound, with no per-replica admin call')

  // The same configuration, listening on free ports; each probe is sent where its port name points.
  const app = await buildApp(loadConfig({ ...env, HTTP_PORT: '0', GRPC_PORT: '0', METRICS_PORT: '0', HOST: '127.0.0.1' }))
  t.teardown(async () => await app.close())
  await app.listen({ host: '127.0.0.1', port: 0 })
  const actual: Record<number, number> = {
    [config.httpPort]: (app.server.address() as { port: number }).port,
    [config.grpcPort]: app.grpcPort,
    [config.metrics.port!]: app.metricsAddress()!.port
  }
  const resolve = (port: number | string): number => {
    const declared = typeof port === 'number' ? port : portByName.get(port)
    if (declared === undefined || actual[declared] === undefined) throw new Error(`probe port ${port} is none of the server's ports`)
    return actual[declared]
  }
  for (const kind of ['startupProbe', 'livenessProbe', 'readinessProbe'] as const) {
    const probe = container[kind]
    if (probe.httpGet !== undefined) {
      t.equal(typeof probe.httpGet.port, 'string', `${kind} uses a named port`)
      const response = await fetch(`http://127.0.0.1:${resolve(probe.httpGet.port)}${probe.httpGet.path}`)
      t.equal(response.status, 200, `${kind} GET ${probe.httpGet.path} on port ${probe.httpGet.port} answers 200`)
    } else if (probe.grpc !== undefined) {
      t.equal(probe.grpc.port, config.grpcPort, `${kind} gRPC probe is on GRPC_PORT (the kubelet needs a number)`)
      t.equal(await healthCheck(resolve(probe.grpc.port), probe.grpc.service ?? ''), 'SERVING', `${kind} grpc.health.v1 Check(${probe.grpc.service ?? ''}) is SERVING`)
    } else {
      t.fail(`${kind} is neither httpGet nor grpc`)
    }
  }
  t.equal(container.livenessProbe.httpGet?.path, '/livez', 'liveness does not depend on the store')
  t.ok(pod.terminationGracePeriodSeconds * 1000 > config.lifecycle.shutdownDelayMs + config.lifecycle.shutdownGraceMs, 'grace period covers delay + drain')

  // Readiness follows draining on every port a probe may use.
  app.readiness.drain()
  t.equal(await healthCheck(app.grpcPort, container.readinessProbe.grpc?.service ?? ''), 'NOT_SERVING')
  t.equal((await fetch(`http://127.0.0.1:${app.metricsAddress()!.port}/readyz`)).status, 503)
})

t.test('Service, ServiceMonitor and NetworkPolicy use the container ports', async (t) => {
  const service = findResource(resources, 'Service', 'featuregate')!
  const ports = (service.spec as { ports: Array<{ name: string, port: number, targetPort: string }> }).ports
  t.same(ports.map((p) => [p.name, p.port, p.targetPort]), [['http', 8080, 'http'], ['grpc', 50051, 'grpc'], ['metrics', 9464, 'metrics']], 'both API ports and the metrics port')
  const monitor = findResource(resources, 'ServiceMonitor')!
  t.match(monitor.spec, { endpoints: [{ port: 'metrics', path: '/metrics' }] })
  const policy = findResource(resources, 'NetworkPolicy')!
  const ingress = (policy.spec as { ingress: Array<{ from?: unknown[], ports: Array<{ port: string }> }> }).ingress
  t.same(ingress.find((rule) => rule.from === undefined)?.ports.map((p) => p.port), ['http', 'grpc'], 'API ports open')
  t.same(ingress.find((rule) => rule.from !== undefined)?.ports.map((p) => p.port), ['metrics'], 'metrics only from the monitoring namespace')
})

t.test('the pod runs locked down, spread, sized, with an IAM role for DynamoDB', async (t) => {
  t.match(pod.securityContext, { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } })
  t.match(container.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } })
  t.same(pod.topologySpreadConstraints?.map((c) => c.topologyKey), ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'])
  t.ok(container.resources.requests?.cpu !== undefined, 'CPU request set (the HPA scales on utilisation of it)')
  t.ok(container.resources.limits?.memory !== undefined)
  const account = findResource(resources, 'ServiceAccount')!
  t.match(account.metadata.annotations?.['eks.amazonaws.com/role-arn'], /^arn:aws:iam::\d{12}:role\//)
  t.equal((deployment.spec as { template: { spec: { serviceAccountName: string } } }).template.spec.serviceAccountName, account.metadata.name)
})

t.test('the Dockerfile matches the ports, the build output and the repository', async (t) => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
  t.match(dockerfile, /^ARG NODE_IMAGE=node:24-slim$/m, 'Node 24 slim base')
  const exposed = /^EXPOSE (.+)$/m.exec(dockerfile)?.[1]?.split(/\s+/).map(Number).sort()
  t.same(exposed, [configMap.HTTP_PORT, configMap.GRPC_PORT, configMap.METRICS_PORT].map(Number).sort(), 'EXPOSE lists the three ports')
  for (const name of ['HTTP_PORT', 'GRPC_PORT', 'METRICS_PORT']) t.match(dockerfile, new RegExp(`\\b${name}=${configMap[name]!}\\b`), `image default ${name} is the ConfigMap's`)
  t.match(dockerfile, /^USER node$/m, 'non-root')
  t.match(dockerfile, /npm ci --omit=dev/, 'production dependencies only')
  const run = (instruction: string): string[] => JSON.parse(new RegExp(`^${instruction}.*?(\\[.*\\])$`, 'm').exec(dockerfile)?.[1] ?? '[]') as string[]
  t.same(run('CMD'), ['node', ...GATEWAY_NODE_FLAGS, 'dist/src/server.js'], 'the gateway\'s node flags (src/node-flags.ts), then the compiled server')
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts
  t.equal(scripts.start, ['tsx', ...GATEWAY_NODE_FLAGS, 'src/server.ts'].join(' '), 'npm start passes the same flags to node')
  t.same(run('HEALTHCHECK'), ['node', 'dist/src/healthcheck.js'])
  // What the image runs exists as source that tsconfig.build.json compiles to those paths.
  t.ok(existsSync(join(ROOT, 'src/server.ts')) && existsSync(join(ROOT, 'src/healthcheck.ts')))
  t.match(JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')), { compilerOptions: { rootDir: '.', outDir: 'dist' }, include: ['src/**/*.ts'] })
  for (const match of dockerfile.matchAll(/^COPY (?!--from)(\S+) /gm)) {
    t.ok(existsSync(join(ROOT, match[1]!)), `COPY source ${match[1]!} exists`)
  }
  const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
  for (const match of dockerfile.matchAll(/^COPY (?!--from)(\S+) /gm)) t.match(ignored, `!${match[1]!}`, `.dockerignore lets ${match[1]!} in`)
})

t.test('the HEALTHCHECK script reads the same config as the server', async (t) => {
  const app = await buildApp(testConfig({ DEMO_USERS: '5', METRICS_PORT: '0' }))
  t.teardown(async () => await app.close())
  await app.ready()
  const port = String(app.metricsAddress()!.port)
  t.equal(await healthcheck({ HOST: '0.0.0.0', METRICS_PORT: port }), 0, 'healthy: /livez on METRICS_PORT')
  const closed = await freePort()
  t.equal(await healthcheck({ HOST: '127.0.0.1', METRICS_PORT: String(closed) }), 1, 'unhealthy when nothing answers')
  t.equal(await healthcheck({ HOST: '127.0.0.1', HTTP_PORT: port }), 0, 'without METRICS_PORT it asks the HTTP port')
})

t.test('every metric the dashboard and recording rules use is one the gateway exports', async (t) => {
  const app = await buildApp(testConfig({ DEMO_USERS: '5' }))
  t.teardown(async () => await app.close())
  await app.ready()
  const exported = parseExposition((await app.inject('/metrics')).body).types
  const familyOf = (name: string): string | undefined => {
    if (exported.has(name)) return name
    const base = name.replace(/_(bucket|sum|count)$/, '')
    return exported.get(base) === 'histogram' || exported.get(base) === 'summary' ? base : undefined
  }
  const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/featuregate-dashboard.json'), 'utf8')) as { panels: Array<{ title: string, targets: Array<{ expr: string }> }> }
  const rules = parse(readFileSync(join(BASE, 'prometheusrule.yaml'), 'utf8')) as { spec: { groups: Array<{ rules: Array<{ record: string, expr: string, labels?: Record<string, string> }> }> } }
  const expressions = [...dashboard.panels.flatMap((p) => p.targets.map((target) => target.expr)), ...rules.spec.groups.flatMap((g) => g.rules.map((r) => r.expr))]
  const used = new Set(expressions.flatMap((expr) => [...expr.matchAll(/\b((?:featuregate|nodejs|process)_[a-z0-9_]+)\b/g)].map((m) => m[1]!)))
  t.ok(used.size >= 10)
  for (const name of used) t.not(familyOf(name), undefined, `${name} is exported`)

  const titles = dashboard.panels.map((p) => p.title)
  t.ok(titles.includes('p50 / p99 per protocol') && titles.includes('Row cache hit ratio'))
  const perProtocol = dashboard.panels.find((p) => p.title === 'p50 / p99 per protocol')!.targets.map((target) => target.expr).join('\n')
  for (const family of ['featuregate_grpc_server_handling_seconds', 'featuregate_graphql_operation_duration_seconds']) {
    t.match(perProtocol, `histogram_quantile(0.5, sum by (le) (rate(${family}_bucket`)
    t.match(perProtocol, `histogram_quantile(0.99, sum by (le) (rate(${family}_bucket`)
  }
  const recorded = rules.spec.groups.flatMap((g) => g.rules.map((r) => `${r.record}${r.labels?.protocol === undefined ? '' : `{${r.labels.protocol}}`}`))
  for (const protocol of ['grpc', 'graphql']) for (const q of ['p50', 'p99']) t.ok(recorded.includes(`featuregate:request_duration_seconds:${q}{${protocol}}`), `${q} recorded for ${protocol}`)
  t.ok(recorded.includes('featuregate:row_cache_hit_ratio:rate5m'))
})

/** Rewrites the `featuregate` documents of one manifest file through `edit`; `any` because each case reaches deep into a different kind. */
function editDocs (dir: string, file: string, edit: (document: any) => void): void {
  const path = join(dir, file)
  const documents = parseAllDocuments(readFileSync(path, 'utf8'))
  const edited = (Array.isArray(documents) ? documents : [documents]).map((document) => {
    const value = document.toJS() as Resource
    if ((value as { metadata: { name: string } }).metadata.name === 'featuregate') edit(value)
    return stringify(value)
  })
  writeFileSync(path, edited.join('---\n'))
}

async function healthCheck (port: number, service: string): Promise<string> {
  const { health } = loadProtoContract()
  const client = new health.Health(`127.0.0.1:${port}`, grpc.credentials.createInsecure())
  try {
    return await new Promise((resolve, reject) => {
      client.Check({ service }, { deadline: Date.now() + 10_000 }, (error, response) => error === null ? resolve(response?.status ?? 'missing') : reject(error))
    })
  } finally {
    client.close()
  }
}

async function healthcheck (env: Record<string, string>): Promise<number | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/healthcheck.ts'], { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, stdio: 'inherit' })
  return await new Promise((resolve) => child.once('exit', (code) => resolve(code)))
}

async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}
