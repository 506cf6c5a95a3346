// Builds the extension host bundle (dist/extension.js, with dist/dockerode.js and dist/tar-stream.js
// loaded on the first engine connection, and the parts in dist/parts.js on first use: scripts/parts.mjs) and its loader (dist/boot.js, package.json's `main`), the webview bundle (media/webview.js), the sim view's
// codicon stylesheet and, with --tests, the compiled test tree (out/) for node's test runner.
// esbuild bundles so the .vsix ships a few small files instead of node_modules, which keeps
// activation fast and the package small.
import { analyzeMetafile, build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { minify } from 'terser';
import { assertSingleCopies, buildParts, lazyParts } from './parts.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const production = process.argv.includes('--production');
const withTests = process.argv.includes('--tests');
// --analyze prints what each input adds to the extension bundle (esbuild's metafile).
const analyze = process.argv.includes('--analyze');

/**
 * dockerode and docker-modem load code at require time that this extension never reaches. Each such
 * module is replaced by a stub that fails with a clear error if it is ever called, which keeps the
 * bundle small and free of native code:
 * - `./session` (BuildKit sessions: gRPC + protobuf) and `./buildkit` (protobufjs, for
 *   `docker.followProgress` on BuildKit builds): we never build images, and pulls are followed with
 *   `docker.modem.followProgress`;
 * - `tar-fs` and `@balena/dockerignore`, which dockerode's util.js needs only to pack a build
 *   context for `buildImage` (our own tar use is one file, written with tar-stream);
 * - `./ssh` (docker-modem's protocol 'ssh' transport, on ssh2 with its optional native addons):
 *   ssh:// engines are reached through the system ssh client (src/docker/sshAgent.ts, an http.Agent
 *   given as docker-modem's `agent` with protocol 'http'), so this transport is never called.
 *   docker-modem requires it when it loads, so the stub is a function that throws when called;
 * - dockerode's classes for the engine objects we never touch (networks, swarm services, tasks,
 *   nodes, secrets and configs, plugins): docker.js and container.js require them
 *   when they load but use them only when a method such as getNetwork is called, as a
 *   constructor, which the stub refuses (13.7 KB of dist/dockerode.js, 0.8 KB of the .vsix).
 * The keys are `importer directory|request`; `members` are the functions the importer calls on it.
 */
const STUBS = {
  'dockerode/lib|./session': { message: 'BuildKit sessions are not supported by Isaac Sim Orchestrator.' },
  'dockerode/lib|./buildkit': { message: 'BuildKit build output is not supported by Isaac Sim Orchestrator.', members: ['followProgress'] },
  'dockerode/lib|tar-fs': { message: 'Building images is not supported by Isaac Sim Orchestrator.', members: ['pack', 'extract'] },
  'dockerode/lib|@balena/dockerignore': { message: 'Building images is not supported by Isaac Sim Orchestrator.' },
  'dockerode/lib|./network': { message: 'Docker networks are not used by Isaac Sim Orchestrator: its bundle of dockerode leaves out lib/network.js.' },
  'dockerode/lib|./service': { message: 'Swarm services are not used by Isaac Sim Orchestrator: its bundle of dockerode leaves out lib/service.js.' },
  'dockerode/lib|./task': { message: 'Swarm tasks are not used by Isaac Sim Orchestrator: its bundle of dockerode leaves out lib/task.js.' },
  'dockerode/lib|./node': { message: 'Swarm nodes are not used by Isaac Sim Orchestrator: its bundle of dockerode leaves out lib/node.js.' },
  'dockerode/lib|./secret': { message: 'Swarm secrets are not used by Isaac Sim Orchestrator: its bundle of dockerode leaves out lib/secret.js.' },
  'dockerode/lib|./config': { message: 'Swarm configs are not used by Isaac Sim Orchestrator: its bundle of dockerode leaves out lib/config.js.' },
  'dockerode/lib|./plugin': { message: 'Engine plugins are not used by Isaac Sim Orchestrator: its bundle of dockerode leaves out lib/plugin.js.' },
  'docker-modem/lib|./ssh': { message: "docker-modem's ssh transport is not part of Isaac Sim Orchestrator: ssh:// engines go through the system ssh client (src/docker/sshAgent.ts, protocol 'http' with an agent)." },
};

const unusedDockerFeatures = {
  name: 'unused-docker-features',
  setup(b) {
    b.onResolve({ filter: /^(\.\/(session|buildkit|ssh|network|service|task|node|secret|config|plugin)|tar-fs|@balena\/dockerignore)$/ }, (args) => {
      const dir = args.resolveDir.split(path.sep).slice(-2).join('/');
      const key = `${dir}|${args.path}`;
      return STUBS[key] && /[\\/]node_modules[\\/]/.test(args.resolveDir) ? { path: key, namespace: 'unused-stub' } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'unused-stub' }, (args) => {
      const { message, members = [] } = STUBS[args.path];
      return {
        contents: [
          `function unsupported() { throw new Error(${JSON.stringify(message)}); }`,
          ...members.map((m) => `unsupported.${m} = unsupported;`),
          'module.exports = unsupported;',
        ].join('\n'),
        loader: 'js',
      };
    });
  },
};

/**
 * Node's own streams instead of the readable-stream copy (v3, a mirror of Node 10's streams) that
 * tar-stream, bl and docker-modem require: this is readable-stream's documented
 * `READABLE_STREAM=disable` mode, fixed at build time (without its patching of Node's Readable). And docker-modem's `debug` logger, which only
 * writes to stderr when a DEBUG variable names it, becomes a logger that is always off: the
 * extension logs to its own output channel.
 */
const nodeBuiltins = {
  name: 'node-builtins',
  setup(b) {
    b.onResolve({ filter: /^(readable-stream|debug)$/ }, (args) =>
      /[\\/]node_modules[\\/]/.test(args.resolveDir) ? { path: args.path, namespace: 'node-builtin' } : undefined,
    );
    // Node's `stream` module carries Readable, Writable, Duplex, Transform, PassThrough, finished and
    // pipeline as properties, which is all these packages read from readable-stream.
    b.onLoad({ filter: /^readable-stream$/, namespace: 'node-builtin' }, () => ({ contents: "module.exports = require('stream');", loader: 'js' }));
    b.onLoad({ filter: /^debug$/, namespace: 'node-builtin' }, () => ({
      contents: 'function off() {} off.enabled = false; off.extend = () => off; module.exports = () => off;',
      loader: 'js',
    }));
  },
};

/**
 * dockerode and tar-stream are used only by src/docker/engine.ts, which src/docker/createEngine.ts
 * loads on the first connection. They go into files of their own beside dist/extension.js, so that
 * activation neither parses nor runs them.
 */
const LAZY_PACKAGES = ['dockerode', 'tar-stream'];
const lazyPackages = {
  name: 'lazy-packages',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^(${LAZY_PACKAGES.join('|')})$`) }, (args) =>
      args.importer.startsWith(path.join(root, 'src') + path.sep) ? { path: `./${args.path}.js`, external: true } : undefined,
    );
  },
};

/**
 * `import * as vscode from 'vscode'` makes esbuild give each importing module a namespace object of
 * its own, with a getter copied for each of the vscode API's ~200 properties (its __toESM): 16
 * copies at activation, measured at 3-4 ms of the ~12 ms the bundle's top level took with a stub API
 * of that size. Instead they all import one shim whose only own property is __esModule and whose
 * prototype is the API object: each namespace object then inherits from the API object, and one
 * property is copied. What the modules read (vscode.window, new vscode.TreeItem(...)) is the same.
 */
const vscodeNamespace = {
  name: 'vscode-namespace',
  setup(b) {
    b.onResolve({ filter: /^vscode$/ }, (args) =>
      args.namespace === 'vscode-namespace' ? { path: 'vscode', external: true } : { path: 'vscode', namespace: 'vscode-namespace' },
    );
    b.onLoad({ filter: /^vscode$/, namespace: 'vscode-namespace' }, () => ({
      contents: 'module.exports = Object.create(require("vscode"), { __esModule: { value: true } });',
      loader: 'js',
    }));
  },
};

/** What every bundle that runs in the extension host shares. */
const extensionHostBundle = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  metafile: analyze,
  logLevel: 'warning',
};

// dist/ holds only what this build writes: .vscodeignore lets every dist/*.js into the .vsix, so a
// file an older build left there (such as re2.js, the engine readiness patterns once ran on) would ship.
rmSync(path.join(root, 'dist'), { recursive: true, force: true });

const [extension, lazy] = await Promise.all([
  build({
    ...extensionHostBundle,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    external: ['vscode'],
    plugins: [vscodeNamespace, lazyPackages, lazyParts(root)],
    metafile: true,
    // zod probes `navigator` (a Node 21+ global that VS Code's extension host flags when touched).
    define: { navigator: 'undefined' },
  }),
  build({
    ...extensionHostBundle,
    entryPoints: Object.fromEntries(LAZY_PACKAGES.map((name) => [name, name])),
    outdir: 'dist',
    metafile: true,
    plugins: [unusedDockerFeatures, nodeBuiltins],
  }),
  build({
    absWorkingDir: root,
    entryPoints: ['src/webview/main.ts'],
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'esm',
    outfile: 'media/webview.js',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
  }),
]);

// The parts loaded on first use, built once dist/extension.js shows which modules it holds. A part's
// modules that import vscode share one namespace shim too (its own: the shim holds no state).
const parts = await buildParts({ root, extension, options: { ...extensionHostBundle, external: ['vscode'] }, plugins: [vscodeNamespace, lazyPackages] });
// One copy of @vscode/l10n (parts.mjs SHARED_PACKAGES) in all of them.
assertSingleCopies([extension, lazy, ...parts]);

if (analyze) for (const result of [extension, lazy, ...parts]) console.log(await analyzeMetafile(result.metafile));

/**
 * Production bundles get a second minifier pass: terser's compressor (two passes) finds what
 * esbuild's single pass leaves, and its mangler (names by frequency) packs smaller: 2 KB of the
 * .vsix when this was written. `toplevel` lets it rename and drop unused top-level names too, which
 * is safe for these files: each dist/*.js is a CommonJS module, whose top level is the scope of the
 * module wrapper (Node's, or boot.ts's), and media/webview.js is an ES module (`module`: its top
 * level is the module's own scope, and it is strict). Nothing reads their top-level names from
 * outside. `toplevel` took 0.9 KB off dist/extension.js and 0.6 KB off the .vsix; the webview's
 * pass 0.3 KB. Before boot.js, which carries the hash of the final dist/extension.js.
 */
if (production) {
  const files = [...readdirSync(path.join(root, 'dist')).filter((f) => f.endsWith('.js')).map((f) => `dist/${f}`), 'media/webview.js'];
  for (const file of files) {
    const full = path.join(root, file);
    const esm = file === 'media/webview.js';
    const result = await minify(readFileSync(full, 'utf8'), { toplevel: true, module: esm, compress: { passes: 2 }, mangle: true });
    if (typeof result.code !== 'string') throw new Error(`terser gave no output for ${file}`);
    writeFileSync(full, result.code);
  }
}

/**
 * The entry point VS Code loads (package.json `main`): src/boot.ts, which runs dist/extension.js
 * with a V8 code cache kept in the extension's global storage. The cache's file name carries the
 * bundle's hash, so a cache made for another build is never used.
 */
const bundleHash = createHash('sha256').update(readFileSync(path.join(root, 'dist/extension.js'))).digest('hex').slice(0, 16);
await build({
  ...extensionHostBundle,
  metafile: false,
  entryPoints: ['src/boot.ts'],
  outfile: 'dist/boot.js',
  external: ['vscode'],
  define: { MAIN_BUNDLE_HASH: JSON.stringify(bundleHash) },
});

/**
 * The sim view's toolbar shows three codicons. Rather than ship the whole codicon font (126 KB) for
 * them, the build writes media/codicons/codicon.css (the stylesheet vscode-elements' icons link to)
 * drawing just those, each from its SVG in @vscode/codicons as a mask in the text colour: the same
 * glyphs the font is made from. The page's CSP allows data: images. Add a name here when the sim view
 * uses another icon (a unit test checks that every icon it uses has a rule).
 */
const SIM_VIEW_CODICONS = ['refresh', 'link-external', 'copy'];
const codicons = path.join(root, 'media/codicons');
rmSync(codicons, { recursive: true, force: true });
mkdirSync(codicons, { recursive: true });
const mask = 'var(--codicon) center / 16px 16px no-repeat';
writeFileSync(
  path.join(codicons, 'codicon.css'),
  [
    '/* Generated by scripts/build.mjs from @vscode/codicons (CC BY 4.0): only the icons the sim view uses. */',
    `.codicon[class*='codicon-'] { display: inline-block; width: 16px; height: 16px; background-color: currentColor; -webkit-mask: ${mask}; mask: ${mask}; }`,
    ...SIM_VIEW_CODICONS.map((name) => {
      const svg = readFileSync(path.join(root, 'node_modules/@vscode/codicons/src/icons', `${name}.svg`));
      // URL-encoded rather than base64: the SVG's text stays text, which packs 0.4 KB smaller in the .vsix.
      const encoded = encodeURIComponent(svg.toString('utf8').trim()).replace(/%20/g, ' ').replace(/%3D/g, '=').replace(/%3A/g, ':').replace(/%2F/g, '/').replace(/%22/g, "'");
      return `.codicon-${name} { --codicon: url("data:image/svg+xml,${encoded}"); }`;
    }),
    '',
  ].join('\n'),
);

if (withTests) {
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', root], { stdio: 'inherit' });
}
