// The parts of our own code that activation never needs. Each is built on its own, then all of them
// go into one file, dist/parts.js, as one function each that runs on first use: one file packs
// smaller than eight (7.5 KB less .vsix, measured when this was written: the parts share most of
// their vocabulary, and each file costs a zip entry). Loading one part compiles only its function;
// V8 pre-parses the others once, on the first load of any part (require of the minified file: 2.3 ms
// more than of an empty file, median of 6 on a busy 2-core machine when this was written). How a part shares modules with
// dist/extension.js at run time: src/docker/mainModules.ts. Used by scripts/build.mjs.
//
// - In dist/extension.js, a loader's `require('./<entry>')` becomes a read of the part from
//   dist/parts.js: `require('./parts.js').load('<name>')`.
// - In a part, each import of a module that dist/extension.js holds becomes a stub that reads that
//   module's exports from what the loader hands over. So the part has no copy of a class the rest
//   tests with instanceof, nor of a module with state.
// - The loader hands over each such module as the named exports the part imports, not as the whole
//   module: `'src/docker/errors.ts': { EngineError }`. A whole namespace would keep every export of
//   that module in dist/extension.js, used or not (6 KB when this was written).
// - A package that dist/extension.js holds and a part imports too is one of SHARED_PACKAGES, which the
//   loader hands over whole: `'@vscode/l10n': l10n`. Any other such package fails the build.
// - The build fails unless every loader hands over exactly the names its part imports, and unless
//   no module is in two parts. assertSingleCopies fails it unless each shared package is in exactly one
//   file of all the extension host's.
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
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

/** The file that holds every part. */
export const PARTS_FILE = 'parts.js';

/**
 * For dist/extension.js: a loader's require of its part's entry becomes a module whose exports are
 * the part, read from dist/parts.js. A getter rather than a value: esbuild keeps a module's exports
 * once its body has run, so a part that threw while loading would otherwise come back as `{}`; with
 * the getter the next require loads it again, as Node's require of a file that threw does.
 */
export function lazyParts(root) {
  const posix = posixOf(root);
  return {
    name: 'lazy-parts',
    setup(b) {
      b.onResolve({ filter: /^\.\/\w+Chunk$/ }, (args) => {
        const part = PARTS.find((p) => p.entry === posix(path.resolve(args.resolveDir, `${args.path}.ts`)));
        return part ? { path: part.name, namespace: 'part-of-parts-file' } : undefined;
      });
      b.onResolve({ filter: /.*/, namespace: 'part-of-parts-file' }, (args) => ({ path: args.path, external: true }));
      b.onLoad({ filter: /.*/, namespace: 'part-of-parts-file' }, (args) => ({
        contents: `Object.defineProperty(module, 'exports', { get: () => require('./${PARTS_FILE}').load(${JSON.stringify(args.path)}) });`,
        loader: 'js',
      }));
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
          `  if (!modules || !(file in modules)) throw new Error(\`The ${part.name} part of dist/${PARTS_FILE} needs \${file} of dist/extension.js: load it through ${part.loader}, which hands that module over.\`);`,
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
      throw new Error(`The ${part.name} part (${part.entry}) imports ${file}, which dist/extension.js holds: take what it needs through a module of ours there (as src/docker/parse.ts holds the zod schemas of the engine's replies).`);
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
  if (problems.length > 0) throw new Error(`${part.loader} must hand the ${part.name} part what it imports of dist/extension.js: ${problems.join('; ')}.`);
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
 * of the finished main build `extension` (an esbuild result with a metafile), and writes them to
 * dist/parts.js (writePartsFile). Resolves with the esbuild results.
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
        // Not written: its code goes into dist/parts.js. The name places the source map's paths in dist/.
        outfile: `dist/${part.name}.js`,
        write: false,
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
      if (both.length > 0) throw new Error(`The ${a.part.name} and ${b.part.name} parts both hold ${both.join(', ')}: import it in one of them through the other's loader.`);
    }
  }
  writePartsFile(root, parts.map(({ part, result }) => ({ name: part.name, outputFiles: result.outputFiles })));
  return parts.map((p) => p.result);
}

/**
 * dist/parts.js: each part's CommonJS code as the body of a function that gets `module`, `exports`
 * and `require`, as Node's module wrapper gives a file's code (parts.js is in dist/ beside the
 * files the parts require, so `require` resolves the same), and `load(name)`, which runs a part's
 * function once and keeps its exports. A part whose function threw runs again on the next load.
 * With source maps (a development build), dist/parts.js.map is an index map: one section per
 * part, at the line where its code starts.
 */
function writePartsFile(root, parts) {
  const lines = [
    "'use strict';",
    '// The parts of the extension that load on first use (scripts/parts.mjs): one function each.',
    'const parts = {',
  ];
  const sections = [];
  for (const { name, outputFiles } of parts) {
    const js = outputFiles.find((f) => f.path.endsWith('.js'));
    const map = outputFiles.find((f) => f.path.endsWith('.js.map'));
    lines.push(`${JSON.stringify(name)}: function (module, exports, require) {`);
    if (map) sections.push({ offset: { line: lines.length, column: 0 }, map: JSON.parse(map.text) });
    lines.push(...js.text.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '').split('\n'), '},');
  }
  lines.push(
    '};',
    'const loaded = Object.create(null);',
    'exports.load = (name) => {',
    '  if (!(name in loaded)) {',
    '    const module = { exports: {} };',
    '    parts[name].call(module.exports, module, module.exports, require);',
    '    loaded[name] = module.exports;',
    '  }',
    '  return loaded[name];',
    '};',
  );
  if (sections.length > 0) lines.push(`//# sourceMappingURL=${PARTS_FILE}.map`);
  writeFileSync(path.join(root, 'dist', PARTS_FILE), `${lines.join('\n')}\n`);
  if (sections.length > 0) writeFileSync(path.join(root, 'dist', `${PARTS_FILE}.map`), JSON.stringify({ version: 3, file: PARTS_FILE, sections }));
}
