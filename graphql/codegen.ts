/**
 * Generates graphql/generated/schema-types.ts from graphql/schema.graphql: the enums, input types and
 * root-field arguments the resolvers are typed with, so they follow the contract instead of copying it.
 *   npx tsx graphql/codegen.ts          # write
 *   npx tsx graphql/codegen.ts --check  # exit 1 when the committed file is out of date (a test does the same)
 * Small on purpose: graphql-js' own schema API does all the reading.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import {
  buildSchema, isEnumType, isInputObjectType, isListType, isNonNullType, isScalarType,
  type GraphQLArgument, type GraphQLInputField, type GraphQLInputType
} from 'graphql'

const SCALARS: Readonly<Record<string, string>> = {
  ID: 'string',
  String: 'string',
  Boolean: 'boolean',
  Int: 'number',
  Float: 'number',
  /** Parsed by the DateTime scalar to epoch milliseconds. */
  DateTime: 'number',
  Int64: 'bigint',
  JSON: 'unknown',
  FilterValue: 'string | number | boolean'
}

function tsType (type: GraphQLInputType): string {
  if (isNonNullType(type)) return tsType(type.ofType)
  if (isListType(type)) {
    const item = tsType(type.ofType)
    const nullable = !isNonNullType(type.ofType)
    return `ReadonlyArray<${item}${nullable ? ' | null' : ''}>`
  }
  if (isScalarType(type)) return SCALARS[type.name] ?? 'unknown'
  return type.name
}

function member (field: GraphQLArgument | GraphQLInputField): string {
  const optional = !isNonNullType(field.type)
  return `  readonly ${field.name}${optional ? '?' : ''}: ${tsType(field.type)}${optional ? ' | null' : ''}`
}

export function generateSchemaTypes (sdl: string): string {
  const schema = buildSchema(sdl)
  const lines = [
    '// Generated from graphql/schema.graphql by graphql/codegen.ts. Do not edit: run `npx tsx graphql/codegen.ts`.',
    ''
  ]
  const types = Object.values(schema.getTypeMap()).filter((t) => !t.name.startsWith('__')).sort((a, b) => a.name.localeCompare(b.name))
  for (const type of types) {
    if (isEnumType(type)) {
      lines.push(`export type ${type.name} = ${type.getValues().map((v) => `'${v.name}'`).join(' | ')}`, '')
    } else if (isInputObjectType(type)) {
      lines.push(`export interface ${type.name} {`, ...Object.values(type.getFields()).map(member), '}', '')
    }
  }
  const query = schema.getQueryType()
  for (const field of Object.values(query?.getFields() ?? {})) {
    if (field.args.length === 0) continue
    const name = `Query${field.name[0]!.toUpperCase()}${field.name.slice(1)}Args`
    lines.push(`export interface ${name} {`, ...field.args.map(member), '}', '')
  }
  return lines.join('\n')
}

const here = fileURLToPath(new URL('.', import.meta.url))
export const SCHEMA_PATH = `${here}schema.graphql`
export const GENERATED_PATH = `${here}generated/schema-types.ts`

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const generated = generateSchemaTypes(readFileSync(SCHEMA_PATH, 'utf8'))
  if (process.argv.includes('--check')) {
    if (readFileSync(GENERATED_PATH, 'utf8') !== generated) {
      process.stderr.write('graphql/generated/schema-types.ts is out of date: run npx tsx graphql/codegen.ts\n')
      process.exit(1)
    }
  } else {
    writeFileSync(GENERATED_PATH, generated)
  }
}
