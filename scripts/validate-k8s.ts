/**
 * Validates the kustomize base against Kubernetes schemas without a cluster or network: each
 * resource goes through the ajv validators that the kubernetes-models npm packages generate from the
 * Kubernetes OpenAPI (and the prometheus-operator CRDs), then through cross-reference checks that
 * schemas cannot do (selectors match pods, named ports exist, the grace period covers the shutdown
 * budget). Usage: `npm run k8s:validate` (tsx scripts/validate-k8s.ts [dir]); exit 1 on any problem.
 *
 * Like kubeconform without -strict, the schemas allow unknown fields; the checks below pin the
 * fields that matter (probes, ports, selectors) so a misspelt one fails anyway.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseAllDocuments } from 'yaml'
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap'
import { Service } from 'kubernetes-models/v1/Service'
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount'
import { Deployment } from 'kubernetes-models/apps/v1/Deployment'
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler'
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget'
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy'
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor'
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule'

export interface Resource {
  readonly apiVersion: string
  readonly kind: string
  readonly metadata: { readonly name: string, readonly labels?: Record<string, string>, readonly annotations?: Record<string, string> }
  readonly spec?: unknown
  readonly data?: Record<string, string>
  readonly file: string
}

export interface ValidationResult {
  readonly resources: readonly Resource[]
  readonly problems: readonly string[]
}

interface Validatable { validate (): void }
type ModelClass = new (data: never) => Validatable

const MODELS: Readonly<Record<string, ModelClass>> = {
  'v1/ConfigMap': ConfigMap as unknown as ModelClass,
  'v1/Service': Service as unknown as ModelClass,
  'v1/ServiceAccount': ServiceAccount as unknown as ModelClass,
  'apps/v1/Deployment': Deployment as unknown as ModelClass,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler as unknown as ModelClass,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget as unknown as ModelClass,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy as unknown as ModelClass,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor as unknown as ModelClass,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule as unknown as ModelClass
}

// The parts of kustomize this base uses; anything else would be silently ignored here, so it is refused.
const KUSTOMIZATION_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'labels'])

function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function parseYamlFile (path: string, problems: string[]): unknown[] {
  const documents = parseAllDocuments(readFileSync(path, 'utf8'))
  const values: unknown[] = []
  for (const document of Array.isArray(documents) ? documents : [documents]) {
    for (const error of [...document.errors, ...document.warnings]) problems.push(`${path}: ${error.message}`)
    const value: unknown = document.toJS()
    if (value !== null && value !== undefined) values.push(value)
  }
  return values
}

/** Loads and checks a kustomize base directory. */
export function validateKustomization (dir: string): ValidationResult {
  const problems: string[] = []
  const kustomizationPath = join(dir, 'kustomization.yaml')
  const [kustomization] = parseYamlFile(kustomizationPath, problems)
  if (!isRecord(kustomization) || kustomization.kind !== 'Kustomization') {
    return { resources: [], problems: [...problems, `${kustomizationPath}: not a Kustomization`] }
  }
  for (const field of Object.keys(kustomization)) {
    if (!KUSTOMIZATION_FIELDS.has(field)) problems.push(`${kustomizationPath}: field "${field}" is not handled by this validator`)
  }
  const files = Array.isArray(kustomization.resources) ? kustomization.resources.filter((f): f is string => typeof f === 'string') : []
  const onDisk = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml')
  for (const file of onDisk) if (!files.includes(file)) problems.push(`${join(dir, file)} is not listed in kustomization.yaml resources`)

  const commonLabels: Record<string, string> = {}
  for (const entry of Array.isArray(kustomization.labels) ? kustomization.labels : []) {
    if (isRecord(entry) && isRecord(entry.pairs)) for (const [k, v] of Object.entries(entry.pairs)) commonLabels[k] = String(v)
  }

  const resources: Resource[] = []
  for (const file of files) {
    const path = join(dir, file)
    let documents: unknown[]
    try {
      documents = parseYamlFile(path, problems)
    } catch (error) {
      problems.push(`${path}: ${(error as Error).message}`)
      continue
    }
    for (const document of documents) {
      if (!isRecord(document) || typeof document.apiVersion !== 'string' || typeof document.kind !== 'string' || !isRecord(document.metadata) || typeof document.metadata.name !== 'string') {
        problems.push(`${path}: every document needs apiVersion, kind and metadata.name`)
        continue
      }
      const id = `${document.apiVersion}/${document.kind}`
      const Model = MODELS[id]
      if (Model === undefined) {
        problems.push(`${path}: no schema for ${id}; add it to scripts/validate-k8s.ts`)
        continue
      }
      // kustomize `labels` without includeSelectors: metadata labels only.
      const metadata = { ...document.metadata, labels: { ...(isRecord(document.metadata.labels) ? document.metadata.labels : {}), ...commonLabels } }
      const resource = { ...document, metadata } as unknown as Resource
      try {
        new Model(resource as never).validate()
      } catch (error) {
        problems.push(`${path}: ${document.kind} ${document.metadata.name}: ${(error as Error).message}`)
      }
      resources.push({ ...resource, file: path })
    }
  }
  problems.push(...crossCheck(resources))
  return { resources, problems }
}

interface Port { name?: string, containerPort: number }
interface Probe { httpGet?: { path?: string, port: number | string }, grpc?: { port: number, service?: string } }
interface Container {
  name: string
  ports?: Port[]
  envFrom?: Array<{ configMapRef?: { name: string } }>
  livenessProbe?: Probe
  readinessProbe?: Probe
  startupProbe?: Probe
}
interface PodSpec {
  serviceAccountName?: string
  terminationGracePeriodSeconds?: number
  containers: Container[]
}
interface DeploymentSpec { selector: { matchLabels?: Record<string, string> }, template: { metadata?: { labels?: Record<string, string> }, spec: PodSpec } }

export function findResource (resources: readonly Resource[], kind: string, name?: string): Resource | undefined {
  return resources.find((r) => r.kind === kind && (name === undefined || r.metadata.name === name))
}

function matches (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (selector === undefined || Object.keys(selector).length === 0) return false
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v)
}

function crossCheck (resources: readonly Resource[]): string[] {
  const problems: string[] = []
  const deployments = resources.filter((r) => r.kind === 'Deployment')
  if (deployments.length !== 1) return [`expected exactly one Deployment, found ${deployments.length}`]
  const deployment = deployments[0]!
  const spec = deployment.spec as DeploymentSpec
  const podLabels = spec.template.metadata?.labels
  const containerPorts = new Map<string, number>()
  for (const container of spec.template.spec.containers) {
    for (const port of container.ports ?? []) if (port.name !== undefined) containerPorts.set(port.name, port.containerPort)
  }
  const portExists = (port: number | string): boolean => typeof port === 'number' ? [...containerPorts.values()].includes(port) : containerPorts.has(port)

  if (!matches(spec.selector.matchLabels, podLabels)) problems.push('Deployment selector does not match its pod template labels')
  for (const container of spec.template.spec.containers) {
    for (const kind of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
      const probe = container[kind]
      if (probe === undefined) {
        problems.push(`container ${container.name} has no ${kind}`)
        continue
      }
      const port = probe.httpGet?.port ?? probe.grpc?.port
      if (port === undefined) problems.push(`container ${container.name} ${kind} is neither httpGet nor grpc`)
      else if (!portExists(port)) problems.push(`container ${container.name} ${kind} uses port ${port}, which the container does not declare`)
    }
    for (const from of container.envFrom ?? []) {
      const name = from.configMapRef?.name
      if (name !== undefined && findResource(resources, 'ConfigMap', name) === undefined) problems.push(`container ${container.name} reads ConfigMap ${name}, which is not in the base`)
    }
  }
  const accountName = spec.template.spec.serviceAccountName
  if (accountName === undefined || findResource(resources, 'ServiceAccount', accountName) === undefined) problems.push(`Deployment's serviceAccountName ${accountName ?? '(none)'} is not in the base`)

  const config = resources.find((r) => r.kind === 'ConfigMap')?.data ?? {}
  const budgetMs = Number(config.SHUTDOWN_DELAY_MS ?? 0) + Number(config.SHUTDOWN_GRACE_MS ?? 20_000)
  const graceSeconds = spec.template.spec.terminationGracePeriodSeconds ?? 30
  if (graceSeconds * 1000 <= budgetMs) problems.push(`terminationGracePeriodSeconds ${graceSeconds} does not cover SHUTDOWN_DELAY_MS + SHUTDOWN_GRACE_MS = ${budgetMs} ms: the kubelet would kill in-flight calls`)

  const services = resources.filter((r) => r.kind === 'Service')
  for (const service of services) {
    const s = service.spec as { selector?: Record<string, string>, ports?: Array<{ name?: string, targetPort?: number | string, port: number }> }
    if (!matches(s.selector, podLabels)) problems.push(`Service ${service.metadata.name} selects no pod of the Deployment`)
    for (const port of s.ports ?? []) if (!portExists(port.targetPort ?? port.port)) problems.push(`Service ${service.metadata.name} port ${port.name ?? port.port} targets ${port.targetPort ?? port.port}, which the container does not declare`)
  }
  for (const hpa of resources.filter((r) => r.kind === 'HorizontalPodAutoscaler')) {
    const target = (hpa.spec as { scaleTargetRef: { kind: string, name: string } }).scaleTargetRef
    if (target.kind !== 'Deployment' || target.name !== deployment.metadata.name) problems.push(`HorizontalPodAutoscaler ${hpa.metadata.name} targets ${target.kind} ${target.name}, not the Deployment`)
  }
  for (const pdb of resources.filter((r) => r.kind === 'PodDisruptionBudget')) {
    if (!matches((pdb.spec as { selector?: { matchLabels?: Record<string, string> } }).selector?.matchLabels, podLabels)) problems.push(`PodDisruptionBudget ${pdb.metadata.name} selects no pod of the Deployment`)
  }
  for (const policy of resources.filter((r) => r.kind === 'NetworkPolicy')) {
    const p = policy.spec as { podSelector: { matchLabels?: Record<string, string> }, ingress?: Array<{ ports?: Array<{ port?: number | string }> }> }
    if (!matches(p.podSelector.matchLabels, podLabels)) problems.push(`NetworkPolicy ${policy.metadata.name} selects no pod of the Deployment`)
    for (const rule of p.ingress ?? []) for (const port of rule.ports ?? []) if (port.port !== undefined && !portExists(port.port)) problems.push(`NetworkPolicy ${policy.metadata.name} opens port ${port.port}, which the container does not declare`)
  }
  for (const monitor of resources.filter((r) => r.kind === 'ServiceMonitor')) {
    const m = monitor.spec as { selector: { matchLabels?: Record<string, string> }, endpoints: Array<{ port?: string }> }
    const selected = services.filter((s) => matches(m.selector.matchLabels, s.metadata.labels))
    if (selected.length === 0) problems.push(`ServiceMonitor ${monitor.metadata.name} selects no Service`)
    for (const endpoint of m.endpoints) {
      for (const service of selected) {
        const ports = (service.spec as { ports?: Array<{ name?: string }> }).ports ?? []
        if (!ports.some((p) => p.name === endpoint.port)) problems.push(`ServiceMonitor ${monitor.metadata.name} scrapes port ${endpoint.port ?? '(none)'}, which Service ${service.metadata.name} does not have`)
      }
    }
  }
  return problems
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = process.argv[2] ?? join(fileURLToPath(new URL('..', import.meta.url)), 'k8s', 'base')
  const { resources, problems } = validateKustomization(dir)
  for (const resource of resources) process.stdout.write(`${relative(process.cwd(), resource.file)}: ${resource.kind} ${resource.metadata.name}\n`)
  for (const problem of problems) process.stderr.write(`problem: ${problem}\n`)
  process.stdout.write(problems.length === 0 ? `${resources.length} resources valid\n` : `${problems.length} problem(s)\n`)
  process.exitCode = problems.length === 0 ? 0 : 1
}
