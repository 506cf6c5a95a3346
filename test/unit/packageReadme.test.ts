import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// The README that goes into the .vsix is written by scripts/package-readme.mjs: README.md without
// its repository-only parts. Run the script itself, as `npm run package` does.
const REPO = path.resolve(__dirname, '../../..');
const SCRIPT = path.join(REPO, 'scripts/package-readme.mjs');

function run(readme: string): { out?: string; error?: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'package-readme-'));
  const from = path.join(dir, 'README.md');
  const to = path.join(dir, 'out/README.md');
  fs.writeFileSync(from, readme);
  try {
    execFileSync(process.execPath, [SCRIPT, from, to], { stdio: 'pipe' });
    return { out: fs.readFileSync(to, 'utf8') };
  } catch (err) {
    return { error: String((err as { stderr?: Buffer }).stderr) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test("the packaged README keeps the user's sections and drops the repository-only ones", () => {
  const { out } = run(fs.readFileSync(path.join(REPO, 'README.md'), 'utf8'));
  assert.ok(out, 'the script wrote a README');
  for (const kept of ['# Isaac Sim Orchestrator for VS Code', '## Versions', '## Settings', '## Using it with real Isaac Sim']) {
    assert.ok(out.includes(`\n${kept}\n`) || out.startsWith(`${kept}\n`), `keeps "${kept}"`);
  }
  for (const dropped of ['## The two commands', '## Tests', '## Benchmark', '## The stand-in simulator', '## Design', '<!-- bench:start -->']) {
    assert.ok(!out.includes(dropped), `drops "${dropped}"`);
  }
  assert.ok(!out.includes('repository-only'), 'no marker is left');
  assert.match(out, /README\.md of the source repository\.\n$/);
});

test('a package-only comment is shown in the package only, in place of the detail beside it', () => {
  const readme = '# T\n\n<!-- repository-only -->\n\nthe long table\n\n<!-- /repository-only -->\n\n<!-- package-only\nthe short form\n-->\n\nafter\n';
  const { out } = run(readme);
  assert.ok(out, 'the script wrote a README');
  assert.ok(!out.includes('the long table') && !out.includes('package-only') && !out.includes('-->'), out);
  assert.match(out, /^# T\n\nthe short form\n\nafter\n/);
  // The repository's own README keeps its short forms as comments: each one opens and closes.
  const text = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const opened = text.split('\n').filter((l) => l.trim() === '<!-- package-only').length;
  assert.ok(opened >= 1, 'README.md has package-only short forms');
  assert.equal((run(text).out ?? '').includes('<!-- package-only'), false);
});

test('a package-only comment that is never closed, or sits inside a repository-only part, is refused', () => {
  assert.match(run('a\n<!-- package-only\nb\n').error ?? '', /README\.md:2: <!-- package-only is never closed/);
  assert.match(run('<!-- repository-only -->\n<!-- package-only\nx\n-->\n<!-- /repository-only -->\n').error ?? '', /README\.md:2: .* inside the <!-- repository-only --> opened at line 1/);
});

test('a README without repository-only parts is packaged unchanged', () => {
  assert.equal(run('# Title\n\ntext\n').out, '# Title\n\ntext\n');
});

test('markers that do not pair up are refused with the line to fix', () => {
  assert.match(run('a\n<!-- repository-only -->\nb\n').error ?? '', /README\.md:2: .* is never closed/);
  assert.match(run('a\n<!-- /repository-only -->\n').error ?? '', /README\.md:2: .* with no <!-- repository-only --> before it/);
  assert.match(run('<!-- repository-only -->\n<!-- repository-only -->\n').error ?? '', /README\.md:2: .* inside the one opened at line 1/);
});
