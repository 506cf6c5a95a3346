/**
 * package.json as VS Code shows it in English: every user-facing text of the manifest is a `%key%`
 * whose English lives in package.nls.json (issue 14, point 4), and VS Code puts the text in its
 * place when it reads the manifest. Tests that compare the manifest's texts read it through
 * `resolvedManifest()`; test/unit/manifestL10n.test.ts checks that the texts are keys and that the
 * keys and package.nls.json agree.
 */
import fs from 'node:fs';
import path from 'node:path';

/** The repository root, from any compiled test (out/test/<dir>/x.js) or from its source. */
export function repoRoot(from = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.nls.json')) && fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json with a package.nls.json above ${from}`);
  }
}

/** `%key%`, as VS Code takes it: the whole string, between two percent signs. */
export const NLS_KEY = /^%(.+)%$/s;

/** package.nls.json: key → English text. */
export function readNls(root = repoRoot()): Record<string, string> {
  return JSON.parse(fs.readFileSync(path.join(root, 'package.nls.json'), 'utf8')) as Record<string, string>;
}

/** A copy of `value` with every `%key%` string replaced by its text; throws on a key `nls` does not have. */
export function resolveNls<T>(value: T, nls: Record<string, string>, at = '$'): T {
  if (typeof value === 'string') {
    const m = NLS_KEY.exec(value);
    if (!m) return value;
    const text = nls[m[1]];
    if (typeof text !== 'string') throw new Error(`${at}: "${value}" has no text in package.nls.json`);
    return text as T;
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveNls(v, nls, `${at}[${i}]`)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveNls(v, nls, `${at}.${k}`)])) as T;
  }
  return value;
}

/** package.json as written, `%key%` and all. */
export function rawManifest<T = Record<string, unknown>>(root = repoRoot()): T {
  return JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as T;
}

/** package.json with its `%key%` texts resolved from package.nls.json: what VS Code shows in English. */
export function resolvedManifest<T = Record<string, unknown>>(root = repoRoot()): T {
  return resolveNls(rawManifest<T>(root), readNls(root));
}
