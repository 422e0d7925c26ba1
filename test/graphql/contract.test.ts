import t from 'tap'
import { readFileSync } from 'node:fs'
import { buildSchema, getNamedType, getNullableType, isCompositeType, isListType, isObjectType, isInterfaceType } from 'graphql'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generate } from '@graphql-codegen/cli'
import codegenConfig, { GENERATED_PATH, SCHEMA_PATH as SCHEMA_FILE } from '../../codegen.js'
import { LIST_SIZES } from '../../src/plugins/graphql/query-cost.js'
import { schemaText } from '../../src/plugins/graphql/index.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const SCHEMA_PATH = join(ROOT, SCHEMA_FILE)

t.test('the committed GraphQL types are what graphql:gen generates from the current schema', async (t) => {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts
  t.equal(scripts['graphql:gen'], 'graphql-codegen --config codegen.ts', 'the script runs the config this test generates from')
  // The generator itself, in memory, from the same config: nothing is written, nothing fetched.
  const files: Array<{ filename: string, content: string }> = await generate({ ...codegenConfig, cwd: ROOT, silent: true }, false)
  t.same(files.map((f) => f.filename), [GENERATED_PATH], 'one file, where the code imports from')
  t.equal(readFileSync(join(ROOT, GENERATED_PATH), 'utf8'), files[0]!.content,
    `out of date: run \`npm run graphql:gen\` and commit ${GENERATED_PATH}`)
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
