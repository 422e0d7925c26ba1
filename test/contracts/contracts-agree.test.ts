/**
 * The gRPC contract (proto/), the GraphQL contract (graphql/schema.graphql) and the domain
 * (src/domain) must name the same feature statuses and the same value types. Each side keeps its own
 * naming convention; the rules below translate each convention to the domain's names. They are
 * rules, not copied lists, so that a status or value type added to one side and forgotten on
 * another makes this test fail instead of being translated along silently.
 *
 * Naming rules, contract by contract:
 * - proto enums `FeatureStatus` and `WriteOutcome`: every value is prefixed with the enum's name in SCREAMING_SNAKE_CASE
 *   plus `_` (buf's ENUM_VALUE_PREFIX rule: `FEATURE_STATUS_PRESENT` → `PRESENT`), and the zero value
 *   is `<PREFIX>UNSPECIFIED`, which proto3 needs as a default and the domain never has.
 * - proto `Value` oneof `kind`: every member is `<domain type>_value` (`double_value` → `double`,
 *   `float_vector_value` → `float_vector`). A member may name its wire unit before `_value`
 *   (`timestamp_ms_value`: epoch milliseconds); the unit is not part of the type's name. The units
 *   allowed are listed in WIRE_UNITS.
 * - GraphQL enums `FeatureStatus` and `ValueType`: the domain's names, unchanged.
 * - GraphQL implementations of the `FeatureValue` interface: the domain type in PascalCase plus
 *   `Value` (`float_vector` → `FloatVectorValue`, `int64_list` → `Int64ListValue`).
 */
import { join } from 'node:path'
import { buildSchema, isEnumType, isInterfaceType, type GraphQLSchema } from 'graphql'
import protobuf from 'protobufjs'
import t from 'tap'
import { FEATURE_STATUSES } from '../../src/domain/feature-status.js'
import { VALUE_TYPES } from '../../src/domain/feature-value.js'
import { WRITE_OUTCOMES } from '../../src/domain/write-outcome.js'
import { VALUE_TYPENAME } from '../../src/plugins/graphql/feature-views.js'
import { schemaText } from '../../src/plugins/graphql/index.js'
import { FEATURE_STORE_PROTO, findProtoDir } from '../../src/plugins/grpc/proto-contract.js'

const PROTO_PACKAGE = 'feature_store.v1'
/** Units a Value oneof member may carry between the type's name and `_value`. */
const WIRE_UNITS = ['ms'] as const

function screamingSnake (pascal: string): string {
  return pascal.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()
}

function pascal (snake: string): string {
  return snake.split('_').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('')
}

function sorted (names: Iterable<string>): string[] {
  return [...names].sort()
}

function loadProto (): protobuf.Root {
  // keepCase: the names as written in the .proto (protobufjs camel-cases fields by default).
  const root = new protobuf.Root()
  root.loadSync(join(findProtoDir(), FEATURE_STORE_PROTO), { keepCase: true })
  return root
}

function loadSchema (): GraphQLSchema {
  return buildSchema(schemaText())
}

function graphqlEnumValues (schema: GraphQLSchema, name: string): string[] {
  const type = schema.getType(name)
  if (!isEnumType(type)) throw new Error(`${name} is not an enum in the GraphQL schema`)
  return type.getValues().map((value) => value.name)
}

/** A proto enum's values in domain names; throws on a value that does not follow the rule. */
function protoStatuses (root: protobuf.Root, name = 'FeatureStatus'): { statuses: string[], zero: string | undefined } {
  const enumType = root.lookupEnum(`${PROTO_PACKAGE}.${name}`)
  const prefix = `${screamingSnake(enumType.name)}_`
  const zero = Object.entries(enumType.values).find(([, number]) => number === 0)?.[0]
  const statuses = Object.keys(enumType.values).filter((name) => name !== zero).map((name) => {
    if (!name.startsWith(prefix)) throw new Error(`proto enum value ${name} lacks the ${prefix} prefix`)
    return name.slice(prefix.length)
  })
  return { statuses, zero }
}

/** proto `Value.kind` members in domain names; throws on a member that does not follow the rule. */
function protoValueKinds (root: protobuf.Root): string[] {
  const oneof = root.lookupType(`${PROTO_PACKAGE}.Value`).oneofs.kind
  if (oneof === undefined) throw new Error('proto message Value has no oneof `kind`')
  const unit = new RegExp(`_(?:${WIRE_UNITS.join('|')})$`)
  return oneof.fieldsArray.map((field) => {
    if (!field.name.endsWith('_value')) throw new Error(`Value.${field.name} does not end in _value`)
    return field.name.slice(0, -'_value'.length).replace(unit, '')
  })
}

t.test('feature statuses: the proto enum, the GraphQL enum and the domain name the same statuses', async (t) => {
  const { statuses, zero } = protoStatuses(loadProto())
  t.equal(zero, 'FEATURE_STATUS_UNSPECIFIED', 'the proto zero value is UNSPECIFIED, never a real status')
  t.same(sorted(statuses), sorted(FEATURE_STATUSES), 'proto FeatureStatus (prefix and UNSPECIFIED dropped) = domain FEATURE_STATUSES')
  t.same(sorted(graphqlEnumValues(loadSchema(), 'FeatureStatus')), sorted(FEATURE_STATUSES), 'GraphQL FeatureStatus = domain FEATURE_STATUSES')
  t.equal(new Set(FEATURE_STATUSES).size, FEATURE_STATUSES.length, 'the domain lists each status once')
})

t.test('write outcomes: the proto enum and the domain name the same outcomes', async (t) => {
  const { statuses, zero } = protoStatuses(loadProto(), 'WriteOutcome')
  t.equal(zero, 'WRITE_OUTCOME_UNSPECIFIED', 'the proto zero value is UNSPECIFIED, never a real outcome')
  t.same(sorted(statuses), sorted(WRITE_OUTCOMES), 'proto WriteOutcome (prefix and UNSPECIFIED dropped) = domain WRITE_OUTCOMES')
})

t.test('value types: the proto Value oneof, the GraphQL enum and the domain name the same types', async (t) => {
  t.same(sorted(protoValueKinds(loadProto())), sorted(VALUE_TYPES), 'proto Value.kind members (…_value, unit dropped) = domain VALUE_TYPES')
  t.same(sorted(graphqlEnumValues(loadSchema(), 'ValueType')), sorted(VALUE_TYPES), 'GraphQL ValueType = domain VALUE_TYPES')
  t.equal(new Set(VALUE_TYPES).size, VALUE_TYPES.length, 'the domain lists each value type once')
})

t.test('GraphQL: one FeatureValue implementation per domain value type, and the resolvers name them', async (t) => {
  const schema = loadSchema()
  const featureValue = schema.getType('FeatureValue')
  if (!isInterfaceType(featureValue)) throw new Error('FeatureValue is not an interface in the GraphQL schema')
  const implementations = schema.getPossibleTypes(featureValue).map((type) => type.name)
  t.same(sorted(implementations), sorted(VALUE_TYPES.map((type) => `${pascal(type)}Value`)), 'FeatureValue implementations = PascalCase(domain type) + Value')
  // __resolveType answers with VALUE_TYPENAME: every name it gives must exist and follow the same rule.
  for (const type of VALUE_TYPES) {
    t.equal(VALUE_TYPENAME[type], `${pascal(type)}Value`, `VALUE_TYPENAME.${type}`)
  }
})
