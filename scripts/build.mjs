// Builds the extension host bundle (dist/extension.js), the webview bundle (media/webview.js)
// and, with --tests, the compiled test tree (out/) for node's test runner.
// esbuild bundles so the .vsix ships two small files instead of node_modules, which keeps
// activation fast and the package small.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const production = process.argv.includes('--production');
const withTests = process.argv.includes('--tests');

/**
 * dockerode loads two things at require time that this extension never uses: BuildKit sessions
 * (gRPC + protobuf, ~400 KB) and SSH transport (ssh2 with optional native addons). Both are
 * replaced by modules that fail clearly if ever called, which keeps the bundle small and free of
 * native code. ssh:// Docker hosts are rejected by settings validation before they get here.
 */
const unusedDockerFeatures = {
  name: 'unused-docker-features',
  setup(b) {
    const stubs = {
      session: 'BuildKit sessions are not supported by Isaac Sim Orchestrator.',
      ssh: 'ssh:// Docker hosts are not supported by Isaac Sim Orchestrator; use unix:// or tcp://.',
    };
    b.onResolve({ filter: /^\.\/(session|ssh)$/ }, (args) =>
      /[\\/](dockerode|docker-modem)[\\/]lib$/.test(args.resolveDir) ? { path: args.path.slice(2), namespace: 'unused-stub' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'unused-stub' }, (args) => ({
      contents: `module.exports = function unsupported() { throw new Error(${JSON.stringify(stubs[args.path])}); };`,
      loader: 'js',
    }));
  },
};

/**
 * re2js (the linear-time engine for readiness patterns, ~150 KB minified) is not part of the main
 * bundle: src/instances/linearPattern.ts requires it only when a pattern that is not plain text
 * must be compiled. Here that `require('re2js')` becomes `require('./re2.js')`, a file of its own
 * next to extension.js (built below), so activation never loads it.
 */
const re2Apart = {
  name: 're2-apart',
  setup(b) {
    b.onResolve({ filter: /^re2js$/ }, () => ({ path: './re2.js', external: true }));
  },
};

await Promise.all([
  build({
    absWorkingDir: root,
    entryPoints: ['src/extension.ts'],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: 'dist/extension.js',
    external: ['vscode'],
    plugins: [unusedDockerFeatures, re2Apart],
    // zod probes `navigator` (a Node 21+ global that VS Code's extension host flags when touched).
    define: { navigator: 'undefined' },
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
  }),
  build({
    absWorkingDir: root,
    entryPoints: [createRequire(import.meta.url).resolve('re2js')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: 'dist/re2.js',
    minify: production,
    logLevel: 'warning',
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

// The webview can only read files under media/, and node_modules is not shipped: copy the codicon
// font next to its stylesheet (the CSS refers to ./codicon.ttf).
mkdirSync(path.join(root, 'media/codicons'), { recursive: true });
for (const file of ['codicon.css', 'codicon.ttf']) {
  copyFileSync(path.join(root, 'node_modules/@vscode/codicons/dist', file), path.join(root, 'media/codicons', file));
}

if (withTests) {
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', root], { stdio: 'inherit' });
}
