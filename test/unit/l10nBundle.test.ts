/**
 * l10n/bundle.l10n.json, the English bundle of the code's strings (vscode.l10n.t and @vscode/l10n's
 * l10n.t in src/), is what `npm run l10n` extracts from src/ now: the test runs the same export
 * (@vscode/l10n-dev, offline, about 2 s) into a temporary folder and compares, so a string added,
 * changed or removed without `npm run l10n` fails here. Translators start from that bundle.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { rawManifest, repoRoot } from './manifestNls';

const ROOT = repoRoot();
const manifest = rawManifest<{ l10n?: string; scripts: Record<string, string> }>(ROOT);
/** The npm script, whose output folder the test swaps for a temporary one. */
const SCRIPT = 'vscode-l10n-dev export --outDir ./l10n ./src';

/** The @vscode/l10n-dev command line, run with this Node rather than through npx (same program, no npm start-up). */
function l10nDevCli(): string {
  const pkgFile = require.resolve('@vscode/l10n-dev/package.json', { paths: [ROOT] });
  const bin = (JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as { bin: Record<string, string> }).bin['vscode-l10n-dev'];
  return path.join(path.dirname(pkgFile), bin);
}

test('npm run l10n exports the code strings of src/ into l10n/, the folder package.json declares', () => {
  assert.equal(manifest.scripts.l10n, SCRIPT);
  assert.equal(manifest.l10n, './l10n');
});

/** The bundle the export makes from the sources under `src` (a path relative to `cwd`). */
function exportBundle(cwd: string, src: string): string {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'l10n-bundle-'));
  try {
    execFileSync(process.execPath, [l10nDevCli(), 'export', '--outDir', out, src], { cwd, encoding: 'utf8', stdio: 'pipe', timeout: 60_000 });
    return fs.readFileSync(path.join(out, 'bundle.l10n.json'), 'utf8');
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** Why `committed` is not the `fresh` export, or undefined when it is, byte for byte. */
function staleness(committed: string, fresh: string): string | undefined {
  if (committed === fresh) return undefined;
  const strings = Object.keys(JSON.parse(fresh) as Record<string, string>);
  const old = Object.keys(JSON.parse(committed) as Record<string, string>);
  const added = strings.filter((s) => !old.includes(s));
  const removed = old.filter((s) => !strings.includes(s));
  return `l10n/bundle.l10n.json is stale: run npm run l10n (new: ${JSON.stringify(added.slice(0, 5))}, gone: ${JSON.stringify(removed.slice(0, 5))}${added.length + removed.length === 0 ? '; the order or a text differs' : ''})`;
}

const committed = fs.readFileSync(path.join(ROOT, 'l10n/bundle.l10n.json'), 'utf8');

test('the committed l10n/bundle.l10n.json is exactly what the export makes from src/ now', () => {
  const fresh = exportBundle(ROOT, './src');
  assert.ok(Object.keys(JSON.parse(fresh) as Record<string, string>).length > 0, 'the export found strings in src/');
  assert.equal(staleness(committed, fresh), undefined);
});

test('planted: a source with one more string, or one string fewer, makes the committed bundle stale', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'l10n-src-'));
  try {
    fs.cpSync(path.join(ROOT, 'src'), path.join(tmp, 'src'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'src/planted.ts'), "import * as vscode from 'vscode';\nexport const planted = vscode.l10n.t('A planted message');\n");
    const more = staleness(committed, exportBundle(tmp, './src'));
    assert.match(more ?? '', /stale: run npm run l10n \(new: \["A planted message"\], gone: \[\]\)/);
    const [first] = Object.keys(JSON.parse(committed) as Record<string, string>);
    assert.match(staleness(committed, JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(committed) as Record<string, string>).filter(([k]) => k !== first)), null, 2)) ?? '', /gone: \[/);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
