// Writes the README that goes into the .vsix (the Marketplace page and the Extensions view's
// details tab): README.md without the parts that only a developer of this repository needs, which
// stand between `<!-- repository-only -->` and `<!-- /repository-only -->` (the two commands, the
// tests, the benchmark, the stand-in, the design, and reference detail such as the settings table,
// which VS Code's Settings editor shows from package.json). A `<!-- package-only` comment (closed by
// a line `-->`) holds the short form that the package shows in such a part's place; on GitHub it is
// a comment. Users read what the extension does, its
// versions and settings, and how to use it with real Isaac Sim; the rest stays in the repository's
// README and out of the download.
//
//   node scripts/package-readme.mjs README.md .run/package/README.md
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const OPEN = '<!-- repository-only -->';
const CLOSE = '<!-- /repository-only -->';
/** A comment in README.md (so GitHub does not show it) whose lines the package shows: a short form of a repository-only part. */
const PACKAGE_OPEN = '<!-- package-only';
const PACKAGE_CLOSE = '-->';
const POINTER =
  '> Building, testing and benchmarking the extension, the stand-in simulator and the design notes are in the README.md of the source repository.';

/** README text → the packaged README text. Throws on markers that do not pair up. */
export function packageReadme(text) {
  const out = [];
  let open = 0; // line number of the marker that opened the current repository-only part
  let packageOnly = 0; // likewise for a package-only comment
  let dropped = 0;
  text.split('\n').forEach((line, i) => {
    const marker = line.trim();
    if (packageOnly) {
      if (marker === PACKAGE_CLOSE) packageOnly = 0;
      else out.push(line);
    } else if (marker === PACKAGE_OPEN) {
      if (open) throw new Error(`README.md:${i + 1}: ${PACKAGE_OPEN} inside the ${OPEN} opened at line ${open}: put it after ${CLOSE}`);
      packageOnly = i + 1;
    } else if (marker === OPEN) {
      if (open) throw new Error(`README.md:${i + 1}: ${OPEN} inside the one opened at line ${open}: close it first with ${CLOSE}`);
      open = i + 1;
    } else if (marker === CLOSE) {
      if (!open) throw new Error(`README.md:${i + 1}: ${CLOSE} with no ${OPEN} before it`);
      open = 0;
      dropped++;
    } else if (!open) {
      out.push(line);
    }
  });
  if (open) throw new Error(`README.md:${open}: ${OPEN} is never closed: add ${CLOSE} where the part ends`);
  if (packageOnly) throw new Error(`README.md:${packageOnly}: ${PACKAGE_OPEN} is never closed: add a line ${PACKAGE_CLOSE} where the part ends`);
  if (!dropped) return text;
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n\n${POINTER}\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const [from, to] = process.argv.slice(2);
  if (!from || !to) {
    console.error('usage: node scripts/package-readme.mjs README.md OUT.md');
    process.exit(2);
  }
  mkdirSync(path.dirname(to), { recursive: true });
  writeFileSync(to, packageReadme(readFileSync(from, 'utf8')));
}
