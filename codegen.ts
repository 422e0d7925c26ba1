/**
 * GraphQL Code Generator: TypeScript types for graphql/schema.graphql (enums, inputs, arguments, output
 * types and the resolver map), written to src/generated/graphql/ beside the gRPC types in src/generated/proto/.
 *   npm run graphql:gen      # write
 * A test (test/graphql/contract.test.ts) generates from this same config in memory and fails when the
 * committed file differs. No formatter runs over the output, so it is the same on every machine.
 */
import type { CodegenConfig } from '@graphql-codegen/cli'

export const SCHEMA_PATH = 'graphql/schema.graphql'
export const GENERATED_PATH = 'src/generated/graphql/schema-types.ts'

/** Value kinds of the schema, each resolved from the domain value of that type (see resolvers.ts). */
const VALUE_TYPES = {
  DoubleValue: 'double',
  Int64Value: 'int64',
  StringValue: 'string',
  BoolValue: 'bool',
  BytesValue: 'bytes',
  TimestampValue: 'timestamp',
  FloatVectorValue: 'float_vector',
  DoubleListValue: 'double_list',
  Int64ListValue: 'int64_list',
  StringListValue: 'string_list',
  BoolListValue: 'bool_list'
} as const

/** Mapper paths are written into the generated file as they are, so relative to it. */
const DOMAIN_VALUE = '../../domain/feature-value.js'

const config: CodegenConfig = {
  schema: SCHEMA_PATH,
  generates: {
    [GENERATED_PATH]: {
      plugins: [
        { add: { content: `// Generated from ${SCHEMA_PATH} by GraphQL Code Generator (codegen.ts). Do not edit: run \`npm run graphql:gen\`.` } },
        'typescript',
        'typescript-resolvers'
      ],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        immutableTypes: true,
        strictScalars: true,
        /** As the scalars (src/plugins/graphql/scalars.ts) parse them, and as resolvers hand them over. */
        scalars: {
          DateTime: 'number',
          Int64: 'bigint',
          JSON: 'unknown',
          FilterValue: 'string | number | boolean'
        },
        contextType: 'mercurius#MercuriusContext',
        /** Mercurius reads `resolveType` and `isTypeOf`, not graphql-tools' `__resolveType`. */
        internalResolversPrefix: '',
        /** Where resolvers hand graphql something other than the schema's shape: the domain's values. */
        mappers: {
          FeatureValue: `${DOMAIN_VALUE}#FeatureValue as DomainFeatureValue`,
          ...Object.fromEntries(Object.entries(VALUE_TYPES).map(([name, type]) => [name, `${DOMAIN_VALUE}#FeatureValueOf<'${type}'>`]))
        }
      }
    }
  }
}

export default config
