// Builds the extension host bundle (dist/extension.js), the webview bundle (media/webview.js)
// and, with --tests, the compiled test tree (out/) for node's test runner.
// esbuild bundles so the .vsix ships two small files instead of node_modules, which keeps
// activation fast and the package small.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const production = process.argv.includes('--production');
const withTests = process.argv.includes('--tests');

await Promise.all([
  build({
    absWorkingDir: root,
    entryPoints: ['src/extension.ts'],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: 'dist/extension.js',
    external: ['vscode', 'cpu-features', 'ssh2'],
    sourcemap: !production,
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

if (withTests) {
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', root], { stdio: 'inherit' });
}
