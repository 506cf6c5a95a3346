/**
 * The package as the Marketplace reads it (issue 14, point 5): categories and keywords it accepts,
 * a licence and a changelog, and exactly the files that belong in the .vsix, as `vsce ls` lists them
 * from .vscodeignore, and an icon the Marketplace takes. (No repository yet: the project has no public URL.)
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const ROOT = path.resolve(__dirname, '../../..');
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { icon: string; version: string; license: string; categories: string[]; keywords: string[]; contributes: { walkthroughs: Array<{ steps: Array<{ media: { markdown?: string } }> }> } };

/** The Marketplace's categories, as vsce 3 validates them. */
const CATEGORIES = ['AI', 'Azure', 'Chat', 'Data Science', 'Debuggers', 'Education', 'Extension Packs', 'Formatters', 'Keymaps', 'Language Packs', 'Linters', 'Machine Learning', 'Notebooks', 'Other', 'Programming Languages', 'SCM Providers', 'Snippets', 'Testing', 'Themes', 'Visualization'];

test('categories the Marketplace knows, more than "Other"; keywords within its limit of 30, none repeated', () => {
  for (const c of manifest.categories) assert.ok(CATEGORIES.includes(c), `unknown category "${c}"`);
  assert.ok(manifest.categories.some((c) => c !== 'Other'), 'only "Other"');
  assert.ok(manifest.keywords.length >= 5 && manifest.keywords.length <= 30, `${manifest.keywords.length} keywords`);
  assert.equal(new Set(manifest.keywords).size, manifest.keywords.length, 'a keyword repeats');
});

test("the licence is MIT with its text, and the changelog opens with this version's entry", () => {
  assert.equal(manifest.license, 'MIT');
  assert.match(fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8'), /^MIT License/);
  const changelog = fs.readFileSync(path.join(ROOT, 'CHANGELOG.md'), 'utf8');
  assert.match(changelog, /^# Changelog\n/);
  assert.equal(/^## (\S+)/m.exec(changelog)?.[1], manifest.version, "the first entry is package.json's version");
});

test('vsce packs exactly the manifest and its English texts, the string bundles of translations (none yet), README, licence, changelog, bundles, webview assets and walkthrough pages', () => {
  const listed = execFileSync('npx', ['--no-install', '@vscode/vsce', 'ls', '--no-dependencies'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 })
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .sort();
  const allowed = [/^package\.json$/, /^package\.nls(\.[\w-]+)?\.json$/, /^l10n\/bundle\.l10n\.[\w-]+\.json$/, /^README\.md$/, /^LICENSE$/, /^CHANGELOG\.md$/, /^dist\/[\w-]+\.js$/, /^media\/(webview\.js|simview\.css|isaac-sim\.svg|icon\.png)$/, /^media\/codicons\/codicon\.css$/, /^media\/walkthrough\/\w+\.md$/];
  assert.deepEqual(listed.filter((f) => !allowed.some((re) => re.test(f))), [], 'files that do not belong in the package');
  // l10n/bundle.l10n.json is the English export for translators: VS Code loads a bundle only for
  // another display language (bundle.l10n.<lang>.json), so the package holds translations only.
  assert.ok(!listed.includes('l10n/bundle.l10n.json'), 'the English string bundle is not packed');
  for (const must of ['package.json', 'package.nls.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'media/icon.png', 'dist/boot.js', 'dist/extension.js', 'media/webview.js']) assert.ok(listed.includes(must), `${must} is not packed`);
  for (const step of manifest.contributes.walkthroughs[0].steps) assert.ok(listed.includes(step.media.markdown ?? '?'), `${step.media.markdown} is not packed`);
});

test('the icon is a 128×128 PNG (the Marketplace takes PNG, not SVG), drawn from media/icon.svg', () => {
  assert.equal(manifest.icon, 'media/icon.png');
  const png = fs.readFileSync(path.join(ROOT, manifest.icon));
  assert.equal(png.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', 'a PNG signature');
  assert.equal(png.toString('latin1', 12, 16), 'IHDR');
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128], 'width and height');
  assert.match(fs.readFileSync(path.join(ROOT, 'media/icon.svg'), 'utf8'), /^<svg [^>]*width="128" height="128"/);
});
