/**
 * The floors of src/ (see shared CONVENTIONS, "The house we have in mind"), checked by `npm run deps:check`.
 * A room imports only from floors below it, never up and never sideways into another room:
 *   1. src/domain/, src/lib/, src/errors.ts, src/config.ts + src/config/ (plus generated contract types)
 *   2. src/core/ and src/repo/, side by side, never importing each other
 *   3. src/plugins/: thin adapters; only the store-wiring plugin knows src/repo/
 *   4. src/app.ts, src/server.ts on top; src/cli/ and src/demo/ beside them
 * Only src/ is cruised: test/, bench/, examples/ and scripts/ may import anything.
 * Type-only imports count (tsPreCompilationDeps), so "only src/repo/ knows the AWS SDK" includes its types.
 */

/** The first floor: what everything else may stand on. */
const FLOOR_1 = '^src/(domain/|lib/|errors\\.ts$|config\\.ts$|config/)'
/** Generated from proto/ and graphql/schema.graphql (npm run gen). */
const GENERATED = '^src/generated/'
/** The plugin that opens the repository and hands its ports to the core; a small named set so it can be renamed. */
// The pull thread (src/plugins/pull/pull-thread.ts) is a thread of its own: it opens its own reader of the store.
const STORE_WIRING = '^src/plugins/(feature-store|store|pull/pull-thread)\\.ts$'
/** Process-level files on the top floor. */
const TOP = '^src/(app|server)\\.ts$'
const SDK = '(^|/)node_modules/(@aws-sdk|@smithy)/'
const DYNALITE = '(^|/)node_modules/dynalite/'

module.exports = {
  forbidden: [
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'Every import resolves; otherwise a rule below could pass only because an edge went missing.',
      from: { path: '^src/' },
      to: { couldNotResolve: true }
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles anywhere in src/.',
      from: { path: '^src/' },
      to: { circular: true }
    },
    {
      name: 'floor-1-stays-down',
      severity: 'error',
      comment: 'src/domain, src/lib, src/errors.ts and src/config.ts (with src/config/) import only each other (and generated contract types), ' +
        'never core, repo, plugins, cli, demo, app or server.',
      from: { path: FLOOR_1 },
      to: { path: '^src/', pathNot: [FLOOR_1, '^src/types/', GENERATED] }
    },
    {
      name: 'lib-is-generic',
      severity: 'error',
      comment: 'src/lib holds generic helpers (backoff, semaphore, deadlines): from src/ it may use only itself, ' +
        'src/errors.ts and src/domain.',
      from: { path: '^src/lib/' },
      to: { path: '^src/', pathNot: ['^src/(lib|domain|types)/', '^src/errors\\.ts$'] }
    },
    {
      name: 'core-not-repo',
      severity: 'error',
      comment: 'src/core decides; it reaches a store only through the ports in src/domain, never src/repo (types included).',
      from: { path: '^src/core/' },
      to: { path: '^src/repo/' }
    },
    {
      name: 'repo-not-core',
      severity: 'error',
      comment: 'src/repo implements the ports in src/domain and knows nothing of src/core.',
      from: { path: '^src/repo/' },
      to: { path: '^src/core/' }
    },
    {
      name: 'floor-2-stays-down',
      severity: 'error',
      comment: 'src/core and src/repo never import the plugins, the CLI, the demo loader, src/app.ts or src/server.ts.',
      from: { path: '^src/(core|repo)/' },
      to: { path: ['^src/(plugins|cli|demo)/', TOP] }
    },
    {
      name: 'aws-sdk-only-in-repo',
      severity: 'error',
      comment: 'Only src/repo knows DynamoDB: @aws-sdk/* and @smithy/* (type-only imports included) are imported nowhere else in src/.',
      from: { path: '^src/', pathNot: '^src/repo/' },
      to: { path: SDK }
    },
    {
      name: 'dynalite-only-in-repo',
      severity: 'error',
      comment: 'The embedded store (dynalite) is started by src/repo only.',
      from: { path: '^src/', pathNot: '^src/repo/' },
      to: { path: DYNALITE }
    },
    {
      name: 'plugins-reach-repo-only-through-store-wiring',
      severity: 'error',
      comment: 'Plugins use the core and the ports; only the store-wiring plugin (src/plugins/feature-store.ts, or ' +
        'src/plugins/store.ts if renamed) opens a src/repo implementation.',
      from: { path: '^src/plugins/', pathNot: STORE_WIRING },
      to: { path: '^src/repo/' }
    },
    {
      name: 'plugins-stay-below-the-top',
      severity: 'error',
      comment: 'Plugins never import src/app.ts, src/server.ts or src/cli.',
      from: { path: '^src/plugins/' },
      to: { path: ['^src/cli/', TOP] }
    },
    {
      name: 'plugins-demo-only-in-store-wiring',
      severity: 'error',
      comment: 'src/demo is reached only from the store-wiring plugin, which loads demo data into the embedded store ' +
        'it opens (DEMO_USERS); no other plugin imports it.',
      from: { path: '^src/plugins/', pathNot: STORE_WIRING },
      to: { path: '^src/demo/' }
    },
    {
      name: 'plugin-dirs-keep-to-themselves',
      severity: 'error',
      comment: 'A plugin directory (src/plugins/graphql/, src/plugins/grpc/, src/plugins/metrics/, ...) does not import ' +
        'another plugin directory\'s internals; generated contract types are shared.',
      from: { path: '^src/plugins/([^/]+)/' },
      to: { path: '^src/plugins/[^/]+/', pathNot: ['^src/plugins/$1/', GENERATED] }
    },
    {
      name: 'plugin-files-not-protocol-internals',
      severity: 'error',
      comment: 'Top-level plugin files (src/plugins/*.ts: access, health, request logging, ...) do not import from ' +
        'inside a protocol plugin (src/plugins/graphql/, src/plugins/grpc/). One exception: type-only imports of ' +
        'src/plugins/grpc/call-hooks.ts, the gRPC plugin\'s published hook contract for code that is not gRPC-specific ' +
        '(GrpcCallContext, GrpcCallHooks: the gRPC access plugin and request logging hook in there). ' +
        'Generated contract types are shared.',
      from: { path: '^src/plugins/[^/]+\\.ts$' },
      to: { path: '^src/plugins/(graphql|grpc)/', pathNot: [GENERATED, '^src/plugins/grpc/call-hooks\\.ts$'] }
    },
    {
      name: 'plugin-files-call-hooks-types-only',
      severity: 'error',
      comment: 'See plugin-files-not-protocol-internals: the call-hooks contract may be imported as types only.',
      from: { path: '^src/plugins/[^/]+\\.ts$' },
      to: { path: '^src/plugins/grpc/call-hooks\\.ts$', dependencyTypesNot: ['type-only'] }
    },
    {
      name: 'cli-not-plugins',
      severity: 'error',
      comment: 'src/cli uses core, domain, lib and repo directly, never the Fastify plugins (nor src/app.ts, ' +
        'src/server.ts, which are made of them).',
      from: { path: '^src/cli/' },
      to: { path: ['^src/plugins/', TOP] }
    },
    {
      name: 'demo-uses-domain-and-repo',
      severity: 'error',
      comment: 'src/demo generates demo rows and loads them into the embedded store: it may use domain, lib, errors, ' +
        'config and repo, not core, plugins, cli, app or server.',
      from: { path: '^src/demo/' },
      to: { path: ['^src/(core|plugins|cli)/', TOP] }
    }
  ],
  options: {
    // Don't descend into packages: their entry file is enough to name them.
    doNotFollow: { path: 'node_modules' },
    // Keep type-only imports in the graph (`import type`, `import { type X }`): they count as dependencies.
    tsPreCompilationDeps: true,
    // NodeNext resolution (`./x.js` specifiers naming ./x.ts files).
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings']
    },
    reporterOptions: {
      text: { highlightFocused: true }
    }
  }
}
