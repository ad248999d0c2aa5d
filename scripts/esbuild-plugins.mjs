// esbuild plugins of the build (scripts/build.mjs): each leaves out of the bundle what a
// library does at load that firedrill pays for at every start and never uses. A plugin that
// no longer finds the text it replaces fails the build, so a library upgrade cannot undo one
// silently.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * zod's namespace re-exports its messages in some fifty languages (`z.locales`), and a bundle
 * cannot leave out what a namespace re-exports: about 400 KB of source that every command
 * parsed and an idle `serve` held (3.5 MiB of its resident set, measured). firedrill's messages
 * are English, which zod configures from its own en.js; `z.locales` keeps only `en`.
 */
export const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, ({ importer, resolveDir }) =>
      /[\\/]zod[\\/]/.test(importer) ? { path: join(resolveDir, '..', 'locales', 'index.js'), namespace: 'zod-locales' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-locales' }, ({ path }) => ({
      contents: "export { default as en } from './en.js';",
      resolveDir: dirname(path),
      loader: 'js',
    }));
  },
};

/**
 * Looks at load, in bundled libraries, for what only other runtimes have. On Node 20 each of
 * them loads Node's own fetch implementation (undici): about 30 ms of every start that loads
 * the library, measured, for nothing firedrill uses. The bundle leaves them out; each edit
 * replaces exact text, which the build fails without.
 * - axios (the Slack Web API client's HTTP library) looks for fetch (its fetch adapter, which it
 *   never picks in Node: its http adapter comes first) and for a global FormData. The bundle
 *   takes axios from its ES module sources (its CommonJS build is one file): the fetch adapter
 *   reports itself unavailable, as where there is no fetch; `isFormData` knows FormData objects
 *   by their tag, its check where there is no global FormData; a form axios builds itself is a
 *   `form-data` one, as on Node versions without FormData.
 * - pg asks whether it runs in a Cloudflare Worker by making a `Response`.
 */
const SOURCE_EDITS = [
  { package: 'axios', file: 'lib/adapters/fetch.js', contents: 'export const getFetch = () => false;\nexport default false;\n' },
  { package: 'axios', file: 'lib/utils.js', edits: [["typeof G.FormData !== 'undefined' ? G.FormData : undefined", 'undefined']] },
  { package: 'axios', file: 'lib/env/classes/FormData.js', edits: [["typeof FormData !== 'undefined' ? FormData : _FormData", '_FormData']] },
  { package: 'pg', file: 'lib/stream.js', edits: [['  if (isCloudflareRuntime()) {', '  if (false) {']] },
  // Not a probe: prom-client's index requires its Pushgateway (with https and zlib) and its
  // cluster aggregator (with cluster) at load; firedrill is scraped and uses neither. Each is
  // required when first read.
  {
    package: 'prom-client',
    file: 'index.js',
    edits: [
      ["exports.Pushgateway = require('./lib/pushgateway');", "Object.defineProperty(exports, 'Pushgateway', { enumerable: true, get: () => require('./lib/pushgateway') });"],
      ["exports.AggregatorRegistry = require('./lib/cluster');", "Object.defineProperty(exports, 'AggregatorRegistry', { enumerable: true, get: () => require('./lib/cluster') });"],
    ],
  },
];

export const nodeOnlySources = {
  name: 'node-only-sources',
  setup(build) {
    const axios = dirname(require.resolve('axios/package.json'));
    build.onResolve({ filter: /^axios$/ }, () => ({ path: join(axios, 'index.js') }));
    for (const edit of SOURCE_EDITS) {
      const path = join(dirname(require.resolve(`${edit.package}/package.json`)), edit.file);
      build.onLoad({ filter: new RegExp(`${escapeRegExp(path)}$`) }, async () => {
        let contents = edit.contents ?? (await readFile(path, 'utf8'));
        for (const [text, replacement] of edit.edits ?? []) {
          if (!contents.includes(text)) throw new Error(`${edit.package}'s ${edit.file} no longer holds \`${text}\`: look again at SOURCE_EDITS in scripts/esbuild-plugins.mjs`);
          contents = contents.replace(text, replacement);
        }
        return { contents, loader: 'js', resolveDir: dirname(path) };
      });
    }
  },
};

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * Modules that bundled libraries require when they load but use in one place that firedrill
 * reaches rarely or never. A stand-in takes the module's place for that importer: it loads the
 * module on first use (so a `serve` start neither runs nor compiles it), or, where firedrill
 * never makes that use, is all there is of it in the bundle, and says so if it is ever used.
 * Importing the Slack chunk alone, measured: 22 ms of CPU and 4 MiB less than with the source
 * edits above alone.
 */
const STAND_INS = [
  {
    // raw-body decodes a body with iconv-lite (540 KB of charset tables) only when its caller
    // names a charset; Bolt, its only user here, never does. Should that change, raw-body answers
    // 415 "specified encoding unsupported", as for a charset iconv-lite lacks.
    name: 'iconv-lite for raw-body',
    importer: /[\\/]raw-body[\\/]/,
    resolved: /[\\/]iconv-lite[\\/]lib[\\/]index\.js$/,
    contents: () =>
      'module.exports = { getDecoder(encoding) { throw new Error(`firedrill decodes no ${encoding} request bodies (iconv-lite is not bundled)`); } };',
  },
  {
    // form-data looks up the type of a file it sends (mime.lookup); mime-types builds its tables
    // from mime-db's 200 KB at load.
    name: 'mime-types for form-data',
    importer: /[\\/]form-data[\\/]/,
    resolved: /[\\/]mime-types[\\/]index\.js$/,
    contents: (real) => `let real;\nmodule.exports = { lookup: (path) => (real ??= require(${JSON.stringify(real)})).lookup(path) };`,
  },
  {
    // Bolt's receivers make an InstallProvider only for OAuth installs (a client id and secret);
    // firedrill's Slack app runs with a bot token. @slack/oauth, with jsonwebtoken and semver,
    // is left out of the bundle.
    name: '@slack/oauth for Bolt',
    importer: /[\\/]@slack[\\/]bolt[\\/]/,
    resolved: /[\\/]@slack[\\/]oauth[\\/]dist[\\/]index\.js$/,
    contents: () =>
      "module.exports = new Proxy({}, { get: (_, key) => { throw new Error(`@slack/oauth (${String(key)}) is not bundled: firedrill's Slack app runs with a bot token`); } });",
  },
  {
    // prom-client's CPU counter reads the active trace span only for exemplars, which firedrill
    // does not turn on; the OpenTelemetry API sets up its globals when it loads.
    name: '@opentelemetry/api for prom-client',
    importer: /[\\/]prom-client[\\/]/,
    resolved: /[\\/]@opentelemetry[\\/]api[\\/]/,
    contents: (real) => `let real;\nmodule.exports = new Proxy({}, { get: (_, key) => (real ??= require(${JSON.stringify(real)}))[key] });`,
  },
  {
    // form-data (with a dozen small modules of its own) builds multipart bodies: the Web API
    // client's file uploads, axios's forms. firedrill's Slack calls send JSON and form-encoded
    // bodies, so it loads when a file is first uploaded.
    name: 'form-data for axios and the Web API client',
    importer: /[\\/](axios[\\/]lib|@slack[\\/]web-api[\\/]dist)[\\/]/,
    resolved: /[\\/]form-data[\\/]lib[\\/]form_data\.js$/,
    contents: (real) => lazyModule(`require(${JSON.stringify(real)})`),
  },
  {
    // axios's HTTP adapter tunnels through an HTTPS proxy with https-proxy-agent (which brings
    // agent-base, debug and supports-color) only when a proxy is configured; it loads when it is.
    name: 'https-proxy-agent for axios',
    importer: /[\\/]axios[\\/]lib[\\/]/,
    resolved: /[\\/]https-proxy-agent[\\/]/,
    contents: (real) => lazyModule(`require(${JSON.stringify(real)})`),
  },
  {
    // ... and speaks HTTP/2 (Node's http2 module) only when a request asks for it; the Slack Web
    // API client never does.
    name: 'http2 for axios',
    importer: /[\\/]axios[\\/]lib[\\/]/,
    resolved: /^(node:)?http2$/,
    contents: () => lazyModule("require('node:http2')"),
  },
  {
    // pino runs its transports in worker threads (thread-stream); firedrill's logger writes JSON
    // lines to stderr itself (src/log.ts) and makes no transport.
    name: 'thread-stream for pino',
    importer: /[\\/]pino[\\/]lib[\\/]transport\.js$/,
    resolved: /[\\/]thread-stream[\\/]index\.js$/,
    contents: () => "module.exports = class ThreadStream { constructor() { throw new Error('pino transports are not bundled: firedrill logs JSON lines to stderr'); } };",
  },
  {
    // Bolt's App requires its Socket Mode receiver (with ws) for its `socketMode` option, which
    // firedrill does not set: in Socket Mode it makes the receiver itself, from a chunk of its
    // own (adapters/slack/socket-mode-receiver.ts), loaded only when SLACK_APP_TOKEN is set.
    name: "Bolt's Socket Mode receiver for its App",
    importer: /[\\/]@slack[\\/]bolt[\\/]dist[\\/]App\.js$/,
    resolved: /[\\/]@slack[\\/]bolt[\\/]dist[\\/]receivers[\\/]SocketModeReceiver\.js$/,
    contents: () =>
      "Object.defineProperty(exports, '__esModule', { value: true });\n" +
      "exports.default = class SocketModeReceiver { constructor() { throw new Error('Bolt\\'s socketMode option is not bundled: firedrill passes its own Socket Mode receiver'); } };",
  },
];

/**
 * A module that loads the real one when it is first used: read, called or constructed (its
 * importer's `instanceof` counts as a use). `__esModule` is not a use: the bundle's interop
 * asks for it when the importer does.
 */
function lazyModule(requireReal) {
  return `let real;
const load = () => (real ??= ${requireReal});
module.exports = new Proxy(function lazyModule() {}, {
  get: (_, key) => (key === '__esModule' ? undefined : load()[key]),
  apply: (_, self, args) => Reflect.apply(load(), self, args),
  construct: (_, args) => Reflect.construct(load(), args),
});`;
}

export const standIns = {
  name: 'stand-ins',
  setup(build) {
    const used = new Set();
    build.onResolve({ filter: /^(iconv-lite|mime-types|@slack\/oauth|@opentelemetry\/api|https-proxy-agent|http2|thread-stream|form-data)$|SocketModeReceiver(\.js)?$/ }, async (args) => {
      // A stand-in's own require of the real module resolves as usual.
      if (args.namespace === 'stand-in' || args.pluginData === 'stand-ins: real') return undefined;
      const real = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'stand-ins: real' });
      if (real.errors.length > 0) return { errors: real.errors };
      const standIn = STAND_INS.find(({ importer, resolved }) => importer.test(args.importer) && resolved.test(real.path));
      if (!standIn) return { path: real.path, external: real.external, sideEffects: real.sideEffects };
      used.add(standIn.name);
      return { path: real.path, namespace: 'stand-in', pluginData: standIn };
    });
    build.onLoad({ filter: /.*/, namespace: 'stand-in' }, ({ path, pluginData }) => ({
      contents: pluginData.contents(path),
      resolveDir: dirname(path),
      loader: 'js',
    }));
    build.onEnd((result) => {
      if (result.errors.length > 0) return;
      const unused = STAND_INS.filter(({ name }) => !used.has(name)).map(({ name }) => name);
      if (unused.length > 0) {
        return { errors: [{ text: `stand-ins no longer used (a library changed what it requires): ${unused.join(', ')}; look again at scripts/esbuild-plugins.mjs` }] };
      }
    });
  },
};
