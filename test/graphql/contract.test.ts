import t from 'tap'
import { readFileSync } from 'node:fs'
import { buildSchema, getNamedType, getNullableType, isCompositeType, isListType, isObjectType, isInterfaceType } from 'graphql'
import { GENERATED_PATH, SCHEMA_PATH, generateSchemaTypes } from '../../graphql/codegen.js'
import { LIST_SIZES } from '../../src/plugins/graphql/query-cost.js'
import { schemaText } from '../../src/plugins/graphql/index.js'

t.test('the generated types are current with graphql/schema.graphql', async (t) => {
  t.equal(readFileSync(GENERATED_PATH, 'utf8'), generateSchemaTypes(readFileSync(SCHEMA_PATH, 'utf8')),
    'out of date: run npx tsx graphql/codegen.ts and commit graphql/generated/schema-types.ts')
})

t.test('the plugin serves the schema file', async (t) => {
  t.equal(schemaText(), readFileSync(SCHEMA_PATH, 'utf8'))
})

t.test('every list of objects has a size rule in the cost model', async (t) => {
  // Introspection types come from graphql itself; build them in by asking for the full type map.
  const schema = buildSchema(readFileSync(SCHEMA_PATH, 'utf8'))
  const missing: string[] = []
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) && !isInterfaceType(type)) continue
    for (const field of Object.values(type.getFields())) {
      const listOfObjects = isListType(getNullableType(field.type)) && isCompositeType(getNamedType(field.type))
      if (listOfObjects && LIST_SIZES[`${type.name}.${field.name}`] === undefined) missing.push(`${type.name}.${field.name}`)
    }
  }
  t.same(missing, [], 'lists priced without a rule fall back to the number of features: give them a rule')
})
