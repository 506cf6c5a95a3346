#!/usr/bin/env node
// Prints a short recap of the failed tests in node:test TAP files (scripts/test.sh writes one per
// suite), for the end of a run: a CI log is often read from its tail, and a suite's own list of
// failures can be thousands of lines above it. Each failure: its suite, its name with its parents',
// and the first lines of its error. Parents that failed only because a subtest did are left out.
// Usage: node scripts/lib/tap-failures.mjs .run/tap-unit.txt .run/tap-engine.txt ...
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';

const MAX_FAILURES = 12;
const MAX_ERROR_LINES = 10;
const MAX_LINE = 300;

/** The failures of one TAP text: [{ name, location, error }] in the order reported. */
export function tapFailures(text) {
  const lines = text.split('\n');
  const failures = [];
  const names = []; // the open "# Subtest:" names, by depth
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const subtest = /^( *)# Subtest: (.*)$/.exec(line);
    if (subtest) {
      const depth = subtest[1].length / 4;
      names.length = depth;
      names[depth] = subtest[2];
      continue;
    }
    const notOk = /^( *)not ok \d+ - (.*?)(?: # .*)?$/.exec(line);
    if (!notOk) continue;
    const indent = notOk[1].length;
    const depth = indent / 4;
    const block = yamlBlock(lines, i + 1, indent + 2);
    if (block.failureType === 'subtestsFailed') continue;
    failures.push({ name: [...names.slice(0, depth), notOk[2]].join(' › '), location: block.location ?? '', error: block.error ?? '' });
  }
  return failures;
}

/** The fields of the YAML block after a "not ok" line that this recap uses (scalars and |- blocks). */
function yamlBlock(lines, from, indent) {
  const pad = ' '.repeat(indent);
  if (lines[from] !== `${pad}---`) return {};
  const out = {};
  for (let i = from + 1; i < lines.length && lines[i] !== `${pad}...`; i++) {
    const field = new RegExp(`^${pad}(\\w+): (.*)$`).exec(lines[i]);
    if (!field) continue;
    const [, key, value] = field;
    if (value === '|-' || value === '|') {
      const body = [];
      while (i + 1 < lines.length && lines[i + 1].startsWith(`${pad}  `)) body.push(lines[++i].slice(indent + 2));
      out[key] = body.join('\n');
    } else {
      out[key] = value.replace(/^'(.*)'$/s, '$1').replace(/''/g, "'");
    }
  }
  return out;
}

function clip(line) {
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const all = [];
  for (const file of process.argv.slice(2)) {
    if (!existsSync(file)) continue;
    const suite = path.basename(file).replace(/^tap-/, '').replace(/\.txt$/, '');
    for (const f of tapFailures(readFileSync(file, 'utf8'))) all.push({ suite, ...f });
  }
  if (all.length > 0) {
    console.log(`=== failed tests (${all.length}), from the suites' TAP files`);
    for (const f of all.slice(0, MAX_FAILURES)) {
      console.log(`✖ [${f.suite}] ${f.name}${f.location ? `  (${f.location})` : ''}`);
      const errorLines = f.error.split('\n');
      for (const l of errorLines.slice(0, MAX_ERROR_LINES)) console.log(`    ${clip(l)}`);
      if (errorLines.length > MAX_ERROR_LINES) console.log(`    … ${errorLines.length - MAX_ERROR_LINES} more lines in the suite's output above`);
    }
    if (all.length > MAX_FAILURES) console.log(`… and ${all.length - MAX_FAILURES} more failed tests, listed in the suites' output above`);
  }
}
