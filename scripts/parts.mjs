// The parts of our own code that activation never needs, each built into a file of its own that its
// loader requires on first use. How a part shares modules with dist/extension.js at run time:
// src/docker/mainModules.ts. Used by scripts/build.mjs.
//
// - In dist/extension.js, a loader's `require('./<entry>')` becomes `require('./<name>.js')`.
// - In a part, each import of a module that dist/extension.js holds becomes a stub that reads that
//   module's exports from what the loader hands over. So the part has no copy of a class the rest
//   tests with instanceof, nor of a module with state.
// - The loader hands over each such module as the named exports the part imports, not as the whole
//   module: `'src/docker/errors.ts': { EngineError }`. A whole namespace would keep every export of
//   that module in dist/extension.js, used or not (6 KB when this was written).
// - A package that dist/extension.js holds and a part imports too is one of SHARED_PACKAGES, which the
//   loader hands over whole: `'@vscode/l10n': l10n`. Any other such package fails the build.
// - The build fails unless every loader hands over exactly the names its part imports, and unless
//   no module is in two files. assertSingleCopies fails it unless each shared package is in exactly one
//   file of all the extension host's.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export const PARTS = [
  { name: 'doctor', entry: 'src/instances/doctorChunk.ts', loader: 'src/instances/doctorModule.ts' },
  // Builds and pulls in one file: each is small, and one file packs smaller than two.
  { name: 'images', entry: 'src/docker/imagesChunk.ts', loader: 'src/docker/imagesModule.ts' },
  // Run in Sim and the Language Model tools once invoked: both reach the code server through runCode.
  { name: 'simRun', entry: 'src/commands/simRunChunk.ts', loader: 'src/commands/simRunModule.ts' },
  // A sim view's panel and page: with the first Open Sim View or a panel restored after a reload.
  { name: 'simView', entry: 'src/views/simViewChunk.ts', loader: 'src/views/simViewModule.ts' },
  // The ssh:// transport: with the first client of an engine reached over SSH.
  { name: 'ssh', entry: 'src/docker/sshChunk.ts', loader: 'src/docker/sshModule.ts' },
  // What rarer events need, in one file: a 6.x viewer's run, who holds a port found taken.
  { name: 'rare', entry: 'src/instances/rareChunk.ts', loader: 'src/instances/rareModule.ts' },
  // The linear-time matcher: with the first readiness pattern that is not plain text.
  { name: 'linearRegex', entry: 'src/instances/linearRegexChunk.ts', loader: 'src/instances/linearRegexModule.ts' },
  // The live figures' collector: when the instances view is first shown.
  { name: 'figures', entry: 'src/instances/figuresChunk.ts', loader: 'src/instances/figuresModule.ts' },
];

/**
 * Packages with state of their own that a part may import: it reads dist/extension.js's copy, which
 * its loader hands over whole (`import * as l10n from '@vscode/l10n'` … `'@vscode/l10n': l10n`).
 * @vscode/l10n keeps the bundle l10n.config loaded at activation: a second copy in a part would
 * have none, and the part's messages would stay English.
 */
export const SHARED_PACKAGES = ['@vscode/l10n'];

/** Where a loading part finds what its loader hands over (src/docker/mainModules.ts). */
const MAIN_MODULES_KEY = 'isaac-sim-orchestrator.main-modules';

const posixOf = (root) => (file) => path.relative(root, file).split(path.sep).join('/');

/** For dist/extension.js: a loader's require of its part's entry stays a require, of dist/<name>.js. */
export function lazyParts(root) {
  const posix = posixOf(root);
  return {
    name: 'lazy-parts',
    setup(b) {
      b.onResolve({ filter: /^\.\/\w+Chunk$/ }, (args) => {
        const part = PARTS.find((p) => p.entry === posix(path.resolve(args.resolveDir, `${args.path}.ts`)));
        return part ? { path: `./${part.name}.js`, external: true } : undefined;
      });
    },
  };
}

/** For the build of `part`: imports of modules in `mainInputs` become stubs; `used` collects those modules. */
function fromMain(root, part, mainInputs, used) {
  const posix = posixOf(root);
  return {
    name: 'from-main',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind === 'entry-point' || args.pluginData?.fromMain) return undefined;
        const r = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: { fromMain: true } });
        if (r.errors.length > 0 || r.external || !path.isAbsolute(r.path)) return undefined;
        const file = posix(r.path);
        if (!mainInputs.has(file)) return undefined;
        // A shared package goes by its name, whichever of its files this import reaches.
        const key = SHARED_PACKAGES.includes(args.path) ? args.path : file;
        used.add(key);
        return { path: key, namespace: 'from-main' };
      });
      // One lookup for all the stubs: each stub is then a single call.
      b.onResolve({ filter: /^main-module-lookup$/, namespace: 'from-main' }, () => ({ path: 'lookup', namespace: 'main-module-lookup' }));
      b.onLoad({ filter: /.*/, namespace: 'main-module-lookup' }, () => ({
        contents: [
          'module.exports = (file) => {',
          `  const modules = globalThis[Symbol.for(${JSON.stringify(MAIN_MODULES_KEY)})];`,
          `  if (!modules || !(file in modules)) throw new Error(\`dist/${part.name}.js needs \${file} of dist/extension.js: load it through ${part.loader}, which hands that module over.\`);`,
          '  return modules[file];',
          '};',
        ].join('\n'),
        loader: 'js',
      }));
      b.onLoad({ filter: /.*/, namespace: 'from-main' }, (args) => ({
        contents: `module.exports = require('main-module-lookup')(${JSON.stringify(args.path)});`,
        loader: 'js',
      }));
    },
  };
}

function parse(root, file) {
  return ts.createSourceFile(file, readFileSync(path.join(root, file), 'utf8'), ts.ScriptTarget.Latest, true);
}

/**
 * The names the part's own files import (or re-export) from each module of dist/extension.js:
 * module → Set of names. A default or namespace import of such a module is refused: it would need the whole module.
 */
function importedNames(root, part, ownFiles, used) {
  const names = new Map([...used].map((f) => [f, new Set()]));
  for (const file of ownFiles.filter((f) => f.startsWith('src/'))) {
    for (const node of parse(root, file).statements) {
      const spec = (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier) ? node.moduleSpecifier.text : undefined;
      if (!spec?.startsWith('.')) continue;
      const target = path.posix.join(path.posix.dirname(file), `${spec}.ts`);
      const wanted = names.get(target);
      if (!wanted) continue;
      const where = `${file} (${spec})`;
      if (ts.isImportDeclaration(node)) {
        const clause = node.importClause;
        if (!clause || clause.isTypeOnly) continue;
        if (clause.name) throw new Error(`${where}: a default import of ${target}, which dist/extension.js holds: import its exports by name.`);
        const bindings = clause.namedBindings;
        if (bindings && ts.isNamespaceImport(bindings)) throw new Error(`${where}: \`import * as\` of ${target}, which dist/extension.js holds: import its exports by name, so that the loader can hand over just those.`);
        for (const el of bindings?.elements ?? []) if (!el.isTypeOnly) wanted.add((el.propertyName ?? el.name).text);
      } else {
        if (node.isTypeOnly) continue;
        if (!node.exportClause || !ts.isNamedExports(node.exportClause)) throw new Error(`${where}: \`export *\` of ${target}, which dist/extension.js holds: re-export its exports by name.`);
        for (const el of node.exportClause.elements) if (!el.isTypeOnly) wanted.add((el.propertyName ?? el.name).text);
      }
    }
  }
  for (const file of used) {
    if (!file.startsWith('src/') && !SHARED_PACKAGES.includes(file)) {
      throw new Error(`dist/${part.name}.js imports ${file}, which dist/extension.js holds: take what it needs through a module of ours there (as src/docker/parse.ts holds the zod schemas of the engine's replies).`);
    }
  }
  return names;
}

/** What `loader` hands over: the object literal's `'src/…': { A, B }` entries, module → Set of names; a shared package's `'@vscode/l10n': l10n` → WHOLE. */
const WHOLE = 'the whole package';
function handedNames(root, loader) {
  const handed = new Map();
  const visit = (node) => {
    if (ts.isPropertyAssignment(node) && ts.isStringLiteral(node.name) && SHARED_PACKAGES.includes(node.name.text)) {
      if (!ts.isIdentifier(node.initializer)) throw new Error(`${loader}: hand over ${node.name.text} whole, as the namespace of \`import * as\` it.`);
      handed.set(node.name.text, WHOLE);
    }
    if (ts.isPropertyAssignment(node) && ts.isStringLiteral(node.name) && /^src\//.test(node.name.text) && ts.isObjectLiteralExpression(node.initializer)) {
      const names = node.initializer.properties.map((p) => {
        if (!ts.isShorthandPropertyAssignment(p)) throw new Error(`${loader}: hand over ${node.name.text} as { Name, … } of its imported exports.`);
        return p.name.text;
      });
      handed.set(node.name.text, new Set(names));
    }
    ts.forEachChild(node, visit);
  };
  visit(parse(root, loader));
  return handed;
}

/** Fails unless `part`'s loader hands over exactly the names the part imports from dist/extension.js. */
function checkHandOver(root, part, ownFiles, used) {
  const wanted = importedNames(root, part, ownFiles, used);
  const handed = handedNames(root, part.loader);
  const problems = [];
  for (const [file, names] of wanted) {
    const given = handed.get(file);
    if (SHARED_PACKAGES.includes(file)) {
      if (given !== WHOLE) problems.push(`add '${file}': <the namespace of import * as … from '${file}'>`);
      continue;
    }
    if (!given) {
      problems.push(`add '${file}': { ${[...names].sort().join(', ')} }`);
      continue;
    }
    const missing = [...names].filter((n) => !given.has(n)).sort();
    const extra = [...given].filter((n) => !names.has(n)).sort();
    if (missing.length > 0) problems.push(`hand over ${missing.join(', ')} of ${file}`);
    if (extra.length > 0) problems.push(`drop ${extra.join(', ')} of ${file} (the part does not import them)`);
  }
  for (const file of handed.keys()) if (!wanted.has(file)) problems.push(`drop '${file}' (the part does not import it, or dist/extension.js does not hold it)`);
  if (problems.length > 0) throw new Error(`${part.loader} must hand dist/${part.name}.js what it imports of dist/extension.js: ${problems.join('; ')}.`);
}

/**
 * Fails unless each of SHARED_PACKAGES is in exactly one of the output files of `results` (esbuild
 * results with metafiles: every bundle that runs in the extension host), so that at run time there
 * is one copy of it, with one state.
 */
export function assertSingleCopies(results) {
  for (const pkg of SHARED_PACKAGES) {
    const inPackage = new RegExp(`(^|/)node_modules/${pkg.replace(/[/.]/g, (c) => `\\${c}`)}/`);
    const holders = results.flatMap((r) => Object.entries(r.metafile.outputs).filter(([, out]) => Object.keys(out.inputs).some((i) => inPackage.test(i))).map(([file]) => file));
    if (holders.length !== 1) throw new Error(`${pkg} must be in exactly one file of the extension host's bundles, so that l10n.config at activation reaches every message; it is in ${holders.length === 0 ? 'none' : holders.join(', ')}.`);
  }
}

/**
 * Builds every part with `options` (the extension host bundle's) and `plugins`, against the inputs
 * of the finished main build `extension` (an esbuild result with a metafile). Resolves with the results.
 */
export async function buildParts({ root, extension, options, plugins }) {
  const mainInputs = new Set(Object.keys(extension.metafile.inputs));
  const parts = await Promise.all(
    PARTS.map(async (part) => {
      if (mainInputs.has(part.entry)) throw new Error(`dist/extension.js holds ${part.entry}, which should load on first use: import it only through ${part.loader}.`);
      const used = new Set();
      const result = await build({
        ...options,
        entryPoints: [part.entry],
        outfile: `dist/${part.name}.js`,
        plugins: [...plugins, fromMain(root, part, mainInputs, used)],
        metafile: true,
      });
      const own = Object.keys(result.metafile.inputs).filter((f) => !/^[\w-]+:/.test(f));
      checkHandOver(root, part, own, used);
      return { part, result, own };
    }),
  );
  // A module in two parts would be two copies, with two states.
  for (const [i, a] of parts.entries()) {
    for (const b of parts.slice(i + 1)) {
      const both = a.own.filter((f) => b.own.includes(f));
      if (both.length > 0) throw new Error(`dist/${a.part.name}.js and dist/${b.part.name}.js both hold ${both.join(', ')}: import it in one of them through the other's loader.`);
    }
  }
  return parts.map((p) => p.result);
}
