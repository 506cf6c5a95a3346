/**
 * The extension's entry point (package.json `main`: dist/boot.js): it loads the real bundle,
 * dist/extension.js (src/extension.ts), with a V8 code cache, and hands activation to it.
 *
 * Why: most of what activation cost was V8 compiling our code, not running it: the pre-parse of
 * the ~190 KB bundle when it is required, then each function (zod's parser, the settings checks,
 * the views' constructors) compiled on its first call. Node compiles an extension's code from
 * scratch in every new extension host, and VS Code keeps a code cache only for its own code. So
 * this loader does for our bundle what VS Code does for itself: it compiles the bundle with the
 * code cache an earlier window left in the extension's global storage, and when there was none (the
 * first window after an install or update) or V8 refused it (another VS Code, so another V8), it
 * writes one a few seconds after activation, when the functions activation ran are compiled. The
 * bundle runs exactly as a `require` would run it (same file name in stack traces, same
 * `require`, `module`, `exports`, `__filename`, `__dirname`); the cache holds compiled code only,
 * never state. V8 checks a cache against its version and flags but, of the source, only its
 * length: so the file name carries a hash of the bundle (written in by scripts/build.mjs) and the
 * bundle file's modification time (a bundle rebuilt or edited without boot.js), and a cache is
 * never used for other code.
 */
import { readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { createRequire, wrap } from 'node:module';
import path from 'node:path';
import { Script } from 'node:vm';
import type { ExtensionContext } from 'vscode';

/** sha256 of dist/extension.js (its first 16 hex digits), defined by scripts/build.mjs. */
declare const MAIN_BUNDLE_HASH: string;

/** How long after activation the code cache is written, when one is needed. */
const WRITE_CACHE_AFTER_MS = 2_000;
const CACHE_PREFIX = 'code-cache-';

export interface LoadedBundle<T> {
  exports: T;
  /** Whether the cache was missing or refused, so that `writeCache` should run. */
  cacheNeeded: boolean;
  /** Writes the code cache (V8's compiled code of the bundle as far as it ran) and removes the older ones; never rejects. */
  writeCache(): Promise<void>;
}

/**
 * Runs the CommonJS file `file` as `require(file)` would, compiled with the code cache in
 * `cacheFile` if there is one V8 accepts.
 */
export function loadWithCodeCache<T>(file: string, cacheFile: string): LoadedBundle<T> {
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // No cache yet: compile from the source, and write one later.
  }
  const script = new Script(wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
  const module = { exports: {} as T };
  (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  return {
    exports: module.exports,
    cacheNeeded: cachedData === undefined || script.cachedDataRejected === true,
    async writeCache() {
      try {
        const dir = path.dirname(cacheFile);
        const data = script.createCachedData();
        await mkdir(dir, { recursive: true });
        // Another window may write the same file at the same time: each writes its own, then renames.
        const partial = `${cacheFile}.${process.pid}.partial`;
        await writeFile(partial, data);
        await rename(partial, cacheFile);
        for (const name of await readdir(dir)) {
          if (name.startsWith(CACHE_PREFIX) && name !== path.basename(cacheFile) && !name.endsWith('.partial')) await unlink(path.join(dir, name));
        }
      } catch {
        // The cache only saves compile time: without it (a read-only or full disk) the next window compiles again.
      }
    },
  };
}

/**
 * The cache file of the bundle `bundleFile` in this VS Code: the bundle's hash and modification
 * time, and V8's version and the CPU (whose code it holds).
 */
export function codeCacheFile(storageDir: string, bundleFile: string, bundleHash: string): string {
  const modified = Math.round(statSync(bundleFile).mtimeMs).toString(36);
  return path.join(storageDir, `${CACHE_PREFIX}${bundleHash}-${modified}-${process.versions.v8}-${process.arch}.bin`);
}

type Main = typeof import('./extension');
let main: Main | undefined;

export function activate(context: ExtensionContext): ReturnType<Main['activate']> {
  const bundle = path.join(__dirname, 'extension.js');
  const loaded = loadWithCodeCache<Main>(bundle, codeCacheFile(context.globalStorageUri.fsPath, bundle, MAIN_BUNDLE_HASH));
  main = loaded.exports;
  const api = main.activate(context);
  if (loaded.cacheNeeded) {
    const timer = setTimeout(() => void loaded.writeCache(), WRITE_CACHE_AFTER_MS);
    timer.unref();
    context.subscriptions.push({ dispose: () => clearTimeout(timer) });
  }
  return api;
}

export function deactivate(): void {
  main?.deactivate();
}
