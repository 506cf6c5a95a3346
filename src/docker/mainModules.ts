/**
 * Loading a part of the extension on first use, without a second copy of what it shares with the
 * rest.
 *
 * The build (scripts/build.mjs, scripts/parts.mjs) writes the parts that activation never needs (the
 * preflight doctor, image builds and pulls, Run in Sim, ...) to dist/parts.js, one function each:
 * activation neither reads nor compiles them, and a part's code runs when its loader first asks.
 * Such a part imports modules that dist/extension.js holds too,
 * among them classes that callers test with `instanceof` (EngineError, BuildError) and modules with
 * state. A copy of those in the part would be a second class and second state, so the build does
 * not copy them: each import of a module of dist/extension.js becomes a read of that module's
 * exports, which the part's loader hands over here while the part loads. The build checks that a
 * loader hands over exactly the modules its part imports, and fails naming the ones missing or
 * left over. Outside the bundle (tests run the compiled files) `load` is a plain require and the
 * modules handed over go unused.
 *
 * Why not code splitting: esbuild splits only ES modules, and the extension is CommonJS so that
 * boot.ts can compile it with a V8 code cache.
 */

/** The key under which a loading part finds the modules of dist/extension.js (read by the stubs scripts/build.mjs writes). */
const MAIN_MODULES_KEY = Symbol.for('isaac-sim-orchestrator.main-modules');

/** Modules of dist/extension.js by their path in the repository, e.g. 'src/docker/errors.ts'. */
export type MainModules = Readonly<Record<string, object>>;

/** Runs `load` (a require of the part) with `modules` where the part reads them; they are gone again once it returns. */
export function loadWithMainModules<T>(modules: MainModules, load: () => T): T {
  const global = globalThis as Record<symbol, unknown>;
  global[MAIN_MODULES_KEY] = modules;
  try {
    return load();
  } finally {
    delete global[MAIN_MODULES_KEY];
  }
}
