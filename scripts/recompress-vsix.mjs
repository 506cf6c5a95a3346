// Recompresses the .vsix that `vsce package` wrote, in place, with advzip (Debian/Ubuntu package
// `advancecomp`, Homebrew `advancecomp`): the same files, still plain Deflate that every unzip and
// VS Code read, packed by a stronger Deflate encoder. On this project's package it took 5.5 KB off
// 162.6 KB (measured 2026-12-02). Without advzip the package stays as vsce packed it, and this says
// so; setup.sh installs it for the tests and the benchmark, which measure the shipped size.
//
//   node scripts/recompress-vsix.mjs .run/isaac-sim-orchestrator.vsix
import { execFileSync, spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node scripts/recompress-vsix.mjs FILE.vsix');
  process.exit(2);
}
const before = statSync(file).size;
const probe = spawnSync('advzip', ['--version'], { stdio: 'ignore' });
if (probe.error) {
  console.warn(
    `recompress-vsix: advzip not found, so ${file} stays as vsce packed it (${before} bytes, about 3% larger than it could be). ` +
      'To ship the smaller package, install advancecomp (Debian/Ubuntu: sudo apt-get install advancecomp; macOS: brew install advancecomp) and run npm run package again.',
  );
  process.exit(0);
}
// -z recompress, -4 the strongest (zopfli) encoder, -i its iterations; -t then tests every entry.
execFileSync('advzip', ['-z', '-4', '-i', '15', '-q', file], { stdio: 'inherit' });
execFileSync('advzip', ['-t', '-q', file], { stdio: 'inherit' });
const after = statSync(file).size;
console.log(`recompress-vsix: ${file} ${before} → ${after} bytes (advzip -z -4)`);
