import { PutItemCommand, ScanCommand, DeleteItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { FeatureSetSpec } from '../domain/feature-set-spec.js'
import { parseFeatureSetSpec } from '../domain/parse-registry.js'
import type { RegistryStorage } from '../domain/ports/registry-storage.js'
import { toStoreError } from './store-errors.js'

/** Where a registry change is announced to every replica (the change log). */
export interface RegistryChangeRecorder {
  recordRegistry (featureSet: string): Promise<void>
}

export const REGISTRY_KEY_ATTR = 'name'
const SPEC_ATTR = 'spec'
const UPDATED_ATTR = 'updated_at'

/** Feature-set specs kept in DynamoDB beside the data, so registering a set needs no redeploy. */
export class RegistryStore implements RegistryStorage {
  readonly #client: DynamoDBClient
  readonly #table: string
  readonly #changes: RegistryChangeRecorder | undefined

  constructor (client: DynamoDBClient, table: string, changes?: RegistryChangeRecorder) {
    this.#client = client
    this.#table = table
    this.#changes = changes
  }

  /** Entries the last list() skipped because they no longer parse, with why (for the operator's log). */
  skipped: ReadonlyArray<{ readonly name: string, readonly reason: string }> = []

  async list (signal?: AbortSignal): Promise<FeatureSetSpec[]> {
    const specs: FeatureSetSpec[] = []
    const skipped: Array<{ name: string, reason: string }> = []
    let startKey: Record<string, AttributeValue> | undefined
    do {
      let page
      try {
        page = await this.#client.send(new ScanCommand({ TableName: this.#table, ExclusiveStartKey: startKey, ConsistentRead: true }), { abortSignal: signal })
      } catch (error) {
        // Typed, so no caller passes on the SDK's own message (it names the table and its ARN).
        throw toStoreError(error, 'reading the registry', undefined)
      }
      for (const item of page.Items ?? []) {
        const json = item[SPEC_ATTR]?.S
        // A spec that no longer parses is skipped rather than taking every other set down with it.
        if (json !== undefined) {
          try {
            specs.push(parseFeatureSetSpec(JSON.parse(json)))
          } catch (error) {
            skipped.push({ name: item[REGISTRY_KEY_ATTR]?.S ?? '?', reason: error instanceof Error ? error.message : String(error) })
          }
        }
      }
      startKey = page.LastEvaluatedKey
    } while (startKey !== undefined)
    this.skipped = skipped
    return specs.sort((a, b) => a.name.localeCompare(b.name))
  }

  async put (spec: FeatureSetSpec): Promise<void> {
    await this.#client.send(new PutItemCommand({
      TableName: this.#table,
      Item: {
        [REGISTRY_KEY_ATTR]: { S: spec.name },
        [SPEC_ATTR]: { S: JSON.stringify(spec) },
        [UPDATED_ATTR]: { N: String(Date.now()) }
      }
    }))
    await this.#changes?.recordRegistry(spec.name)
  }

  async delete (name: string): Promise<void> {
    await this.#client.send(new DeleteItemCommand({ TableName: this.#table, Key: { [REGISTRY_KEY_ATTR]: { S: name } } }))
    await this.#changes?.recordRegistry(name)
  }
}
