import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BuildkitProgress, decodeStatus } from '../../src/docker/buildkitStatus';

// A real BuildKit build's output from this machine's dockerd 20.10.24 (POST /build?version=2 of a
// Dockerfile whose RUN prints two lines and fails): test/fixtures/SOURCES.md.
const FIXTURE = path.resolve(__dirname, '../../../test/fixtures/buildkit/failed-run.jsonl');
const messages = readFileSync(FIXTURE, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id?: string; aux?: unknown; error?: string });
const traces = messages.filter((m) => m.id === 'moby.buildkit.trace').map((m) => m.aux as string);

test('a trace message decodes to its vertexes and logs', () => {
  assert.deepEqual(decodeStatus(traces[0]).vertexes.map((v) => v.name), ['[internal] load remote build context']);
  const log = traces.map(decodeStatus).flatMap((s) => s.logs);
  assert.deepEqual(log.map((l) => Buffer.from(l.msg).toString()), ['hello-from-run\nsecond-line\n']);
  const failed = traces.map(decodeStatus).flatMap((s) => s.vertexes).find((v) => v.error);
  assert.equal(failed?.error, messages.at(-1)?.error, "the failed step's error is the build's error");
});

test('the whole build reads as --progress=plain does: each step once, its output, its end', () => {
  const lines: string[] = [];
  const progress = new BuildkitProgress((l) => lines.push(l));
  for (const t of traces) progress.push(t);
  assert.deepEqual(lines, [
    '#1 [internal] load remote build context',
    '#1 DONE',
    '#2 copy /context /',
    '#2 DONE',
    '#3 [internal] load metadata for docker.io/library/isaac-sim-standin-web-viewer-base:1',
    '#3 DONE',
    '#4 [1/2] FROM docker.io/library/isaac-sim-standin-web-viewer-base:1',
    '#4 CACHED',
    '#5 [2/2] RUN echo hello-from-run && echo second-line && false',
    '#5 hello-from-run',
    '#5 second-line',
    '#5 ERROR: executor failed running [/bin/sh -c echo hello-from-run && echo second-line && false]: exit code: 1',
  ]);
});

test('a message that is not protobuf is refused by the reader, not misread', () => {
  assert.throws(() => decodeStatus(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]).toString('base64')));
});
