import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { summarizeBuildFailure } from '../../src/docker/buildFailure';
import { BuildkitProgress } from '../../src/docker/buildkitStatus';

// Real engine output (test/fixtures/SOURCES.md): the same failing two-line Dockerfile built by
// BuildKit and by the classic builder on this machine's dockerd 20.10.24.
const fixture = (name: string) =>
  readFileSync(path.resolve(__dirname, '../../../test/fixtures/buildkit', name), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id?: string; aux?: unknown; stream?: string; error?: string });

/** The lines build.ts keeps of a build's messages, and its error. */
function replay(name: string): { tail: string[]; error: string } {
  const tail: string[] = [];
  const progress = new BuildkitProgress((l) => tail.push(l));
  let error = '';
  for (const m of fixture(name)) {
    if (m.id === 'moby.buildkit.trace' && typeof m.aux === 'string') progress.push(m.aux);
    if (m.stream !== undefined) tail.push(...m.stream.replace(/\r?\n$/, '').split(/\r?\n/));
    if (m.error) error = m.error;
  }
  return { tail, error };
}

test('BuildKit: the failed step, its exit code and its own output, without the command twice', () => {
  const { tail, error } = replay('failed-run.jsonl');
  assert.match(error, /^executor failed running \[\/bin\/sh -c /);
  const f = summarizeBuildFailure(error, tail);
  assert.equal(f.summary, 'failed at step [2/2] with exit code 1: RUN echo hello-from-run && echo second-line && false');
  assert.deepEqual(f.lines, ['hello-from-run', 'second-line']);
});

test('the classic builder: the last "Step i/n" and what it printed, without its bookkeeping lines', () => {
  const { tail, error } = replay('classic-failed-run.jsonl');
  assert.match(error, /^The command '\/bin\/sh -c .*' returned a non-zero code: 1$/);
  const f = summarizeBuildFailure(error, tail);
  assert.equal(f.summary, 'failed at step 2/2 with exit code 1: RUN echo hello-from-run && echo second-line && false');
  assert.deepEqual(f.lines, ['hello-from-run', 'second-line']);
});

test("newer engines' wording gives the exit code too; a long step is shortened", () => {
  const long = `RUN ${'x'.repeat(200)}`;
  const f = summarizeBuildFailure(`process "/bin/sh -c ${'x'.repeat(200)}" did not complete successfully: exit code: 2`, ['#7 [builder 3/6] ' + long, '#7 oops', '#7 ERROR: process "…" did not complete successfully: exit code: 2']);
  assert.match(f.summary, /^failed at step \[builder 3\/6\] with exit code 2: RUN x+…$/);
  assert.ok(f.summary.length < 130, f.summary);
  assert.deepEqual(f.lines, ['oops']);
});

test('the reason reads short up to its first ": " (the tree row shows that part)', () => {
  const { tail, error } = replay('failed-run.jsonl');
  const reason = `The build of t:1 ${summarizeBuildFailure(error, tail).summary}.`;
  assert.equal(reason.split(/(?<=[.:])\s/)[0], 'The build of t:1 failed at step [2/2] with exit code 1:');
});

test('only the output of the failed step, at most six lines of it', () => {
  const tail = ['#4 [1/3] RUN echo other', '#4 other-step-output', '#4 DONE', '#5 [2/3] RUN loud', ...Array.from({ length: 9 }, (_, i) => `#5 line ${i}`), '#5 ERROR: executor failed running [/bin/sh -c loud]: exit code: 3'];
  const f = summarizeBuildFailure('executor failed running [/bin/sh -c loud]: exit code: 3', tail);
  assert.equal(f.summary, 'failed at step [2/3] with exit code 3: RUN loud');
  assert.deepEqual(f.lines, ['line 3', 'line 4', 'line 5', 'line 6', 'line 7', 'line 8']);
});

test('a failure that names no step and no exit code keeps the engine message, and the last lines', () => {
  const f = summarizeBuildFailure('failed to read dockerfile: open Dockerfile: no such file or directory', ['#1 [internal] load build definition from Dockerfile', '#1 DONE']);
  assert.equal(f.summary, 'failed: failed to read dockerfile: open Dockerfile: no such file or directory');
  assert.deepEqual(f.lines, ['#1 [internal] load build definition from Dockerfile', '#1 DONE']);
  const noCode = summarizeBuildFailure('something odd', ['#2 [1/1] RUN x', '#2 ERROR: something odd']);
  assert.equal(noCode.summary, 'failed at step [1/1] (something odd): RUN x');
});
