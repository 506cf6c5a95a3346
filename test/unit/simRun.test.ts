/**
 * "Run in Sim" without VS Code: where code goes (src/views/simTargetChoice.ts) and what a run shows
 * (src/views/simRunReport.ts: the channel's block, the traceback mapped onto the file, the Problems
 * entry, a selection's dedent). The replies are those of the stand-in's server (and NVIDIA's shape).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CodeServerInfo, InstanceStateKind } from '../../src/instances/model';
import { SimPythonError, type SimRunResult } from '../../src/instances/simPython';
import { errorInfo } from '../../src/instances/errors';
import { errorLocation, mapFrames } from '../../src/instances/simPythonProtocol';
import { dedent, diagnosticOf, formatDuration, formatRun, mappedTraceback, runHeader, type RunHeader } from '../../src/views/simRunReport';
import { describeCodeServer, planSimTarget, readyItems, targetLabel, targetStatus, type TargetHost } from '../../src/views/simTargetChoice';

const SERVER = { kind: 'enabled', port: 8226, extension: 'omni.isaac.vscode', token: 'not-needed' } as const satisfies CodeServerInfo;

function inst(index: number, kind: InstanceStateKind, codeServer: CodeServerInfo = { ...SERVER, port: 8226 + index }) {
  return { index, label: `instance-${index}`, state: { kind, since: 1 }, codeServer };
}

function host(name: string, ...instances: ReturnType<typeof inst>[]): TargetHost {
  return { name, instances };
}

describe('Run in Sim: the target', () => {
  test('the remembered target is used while it is ready, even with others ready', () => {
    const hosts = [host('', inst(0, 'ready'), inst(1, 'ready'))];
    assert.deepEqual(planSimTarget(hosts, { host: '', index: 1 }, false), { kind: 'use', target: { host: '', index: 1 }, label: 'instance-1' });
  });

  test('nothing remembered and one instance ready: that one, without asking', () => {
    const plan = planSimTarget([host('', inst(0, 'stopped'), inst(1, 'ready'))], undefined, false);
    assert.deepEqual(plan, { kind: 'use', target: { host: '', index: 1 }, label: 'instance-1' });
  });

  test('nothing remembered and several ready: a pick of the ready ones only, with their code server', () => {
    const plan = planSimTarget([host('', inst(0, 'ready'), inst(1, 'loading'), inst(2, 'ready'))], undefined, false);
    assert.equal(plan.kind, 'ask');
    assert.deepEqual(plan.kind === 'ask' && plan.items, [
      { label: 'instance-0', description: ':8226 (omni.isaac.vscode)', target: { host: '', index: 0 } },
      { label: 'instance-2', description: ':8228 (omni.isaac.vscode)', target: { host: '', index: 2 } },
    ]);
    assert.equal(plan.kind === 'ask' && plan.why, undefined);
  });

  test('a remembered target that is no longer ready falls back to the pick, even with one other ready, and says why', () => {
    const plan = planSimTarget([host('', inst(0, 'stopped'), inst(1, 'ready'))], { host: '', index: 0 }, false);
    assert.equal(plan.kind, 'ask');
    assert.equal(plan.kind === 'ask' && plan.why, 'instance-0 is stopped, not ready');
    assert.deepEqual(plan.kind === 'ask' && plan.items.map((i) => i.label), ['instance-1']);
  });

  test('a remembered target that is gone, or whose endpoint or engine is gone, says so', () => {
    const ready = host('a', inst(1, 'ready'));
    const why = (plan: ReturnType<typeof planSimTarget>) => (plan.kind === 'ask' ? plan.why : plan.kind);
    assert.equal(why(planSimTarget([ready], { host: 'a', index: 5 }, true)), 'a/instance-5 is gone');
    assert.equal(why(planSimTarget([ready], { host: 'b', index: 0 }, true)), 'b/instance-0 is gone: its endpoint is no longer in isaacSim.endpoints');
    assert.equal(why(planSimTarget([ready, { name: 'b', instances: undefined }], { host: 'b', index: 0 }, true)), "b/instance-0's engine is not connected");
  });

  test('no instance ready: a message naming the problem and the fix, and what became of the target', () => {
    const none = planSimTarget([host('', inst(0, 'stopped'))], undefined, false);
    assert.equal(none.kind, 'none');
    assert.match(none.kind === 'none' ? none.message : '', /^No Isaac Sim instance is ready to run the code in\. Start one \(Isaac Sim: Start Instance\) and wait until it is ready/);
    const gone = planSimTarget([host('', inst(0, 'failed'))], { host: '', index: 0 }, false);
    assert.match(gone.kind === 'none' ? gone.message : '', /^instance-0 is failed, not ready, and no other Isaac Sim instance is ready to run the code in\. Start one/);
    // A host whose engine is not connected offers nothing.
    assert.equal(planSimTarget([{ name: '', instances: undefined }], undefined, false).kind, 'none');
  });

  test('several endpoints: labels name the host, and the pick spans the hosts', () => {
    const items = readyItems([host('a', inst(0, 'ready')), host('b', inst(0, 'ready'), inst(1, 'stopped'))], true);
    assert.deepEqual(items.map((i) => [i.label, i.target]), [
      ['a/instance-0', { host: 'a', index: 0 }],
      ['b/instance-0', { host: 'b', index: 0 }],
    ]);
    assert.equal(targetLabel({ host: '', index: 3 }, false), 'instance-3');
  });

  test('the status bar text: the target, ready or not, or an invitation to choose', () => {
    const hosts = [host('', inst(0, 'ready'), inst(1, 'stopped'))];
    assert.equal(targetStatus(hosts, undefined, false).text, '$(play) Sim: choose instance');
    const ready = targetStatus(hosts, { host: '', index: 0 }, false);
    assert.equal(ready.text, '$(play) Sim: instance-0');
    assert.match(ready.tooltip, /instance-0 \(ready, code server :8226 \(omni\.isaac\.vscode\)\)\. Click to change\./);
    assert.match(targetStatus(hosts, { host: '', index: 1 }, false).tooltip, /instance-1 \(stopped: the next run asks for a ready instance\)/);
    assert.match(targetStatus(hosts, { host: '', index: 7 }, false).tooltip, /instance-7 \(gone:/);
  });

  test('the code server as the tooltip and the pick describe it', () => {
    assert.equal(describeCodeServer(SERVER), ':8226 (omni.isaac.vscode)');
    const six = { kind: 'enabled', port: 8227, extension: 'isaacsim.code_editor.python_server', token: 'known' } as const satisfies CodeServerInfo;
    assert.equal(describeCodeServer(six), ':8227 (isaacsim.code_editor.python_server), token from log');
    const missing = describeCodeServer({ ...six, token: 'missing' });
    assert.match(missing, /^:8227 \(isaacsim\.code_editor\.python_server\), token missing: .*isaacSim\.pythonServerToken/);
    assert.equal(describeCodeServer({ ...six, token: 'missing' }, true), ':8227 (isaacsim.code_editor.python_server), token missing');
    assert.equal(describeCodeServer({ kind: 'none', reason: 'A custom image has no known code server.' }), 'A custom image has no known code server.');
  });
});

const FILE = '/work/robot/scripts/spawn.py';

/** A reply as simPython.ts makes it from the server's JSON: frames mapped onto `firstLine`. */
function raised(traceback: string, firstLine: number, ename = 'ValueError', evalue = 'boom'): SimRunResult {
  const frames = mapFrames(traceback, { file: FILE, firstLine });
  const location = errorLocation(frames);
  return { ok: false, output: 'before\n', hasResult: false, error: { ename, evalue, traceback, frames, ...(location ? { location } : {}) } };
}

/** The stand-in's traceback for a raise on line L of the sent code (python-handler.sh). */
const standinTraceback = (line: number) => `Traceback (most recent call last):\n  File "<string>", line ${line}, in <module>\nValueError: boom\n`;

/** A CPython traceback through a function of the sent code and a module of the simulator. */
const nested = [
  'Traceback (most recent call last):',
  '  File "<string>", line 9, in <module>',
  '  File "<string>", line 4, in spawn',
  '  File "/isaac-sim/exts/omni.isaac.core/prims.py", line 120, in add',
  'ValueError: boom',
].join('\n');

const header = (more: Partial<RunHeader> = {}): RunHeader => ({ instance: 'instance-0', file: 'scripts/spawn.py', startedAt: '12:00:01', durationMs: 210, ...more });

describe('Run in Sim: what a run shows', () => {
  test('the header names the instance, the file, the lines of a selection and the duration', () => {
    const ok = { kind: 'reply' as const, result: { ok: true, output: 'hi', hasResult: false } };
    assert.equal(runHeader(header(), ok), '[12:00:01] instance-0 ← scripts/spawn.py — ok in 0.21 s');
    assert.equal(runHeader(header({ lines: { first: 3, last: 4 } }), ok), '[12:00:01] instance-0 ← scripts/spawn.py, lines 3-4 — ok in 0.21 s');
    assert.equal(runHeader(header({ lines: { first: 7, last: 7 } }), ok), '[12:00:01] instance-0 ← scripts/spawn.py, line 7 — ok in 0.21 s');
    assert.equal(runHeader(header(), { kind: 'reply', result: raised(standinTraceback(1), 1) }), '[12:00:01] instance-0 ← scripts/spawn.py — ValueError after 0.21 s');
    assert.equal(runHeader(header({ durationMs: 1500 }), { kind: 'cancelled', message: 'x' }), '[12:00:01] instance-0 ← scripts/spawn.py — cancelled after 1.50 s');
    assert.equal(runHeader(header(), { kind: 'failed', message: 'x' }), '[12:00:01] instance-0 ← scripts/spawn.py — not run (0.21 s)');
  });

  test('durations', () => {
    assert.deepEqual([formatDuration(42), formatDuration(12_345), formatDuration(125_000)], ['0.04 s', '12.3 s', '2 min 5 s']);
  });

  test('a successful run: the header, then the output; a 6.x value after it', () => {
    assert.equal(formatRun(header(), { kind: 'reply', result: { ok: true, output: 'one\ntwo\n', hasResult: false } }), '[12:00:01] instance-0 ← scripts/spawn.py — ok in 0.21 s\none\ntwo');
    assert.equal(formatRun(header(), { kind: 'reply', result: { ok: true, output: '', hasResult: true, result: { n: 3 } } }).split('\n')[1], '→ {"n":3}');
    // print(...) as the only statement gives "result": null in 6.x: nothing to show.
    assert.equal(formatRun(header(), { kind: 'reply', result: { ok: true, output: 'x', hasResult: true, result: null } }).split('\n').length, 2);
  });

  test("a raising run: the output, then the traceback with the sent code's frames at their place in the file", () => {
    const text = formatRun(header({ lines: { first: 3, last: 4 } }), { kind: 'reply', result: raised(standinTraceback(2), 3) });
    assert.deepEqual(text.split('\n'), [
      '[12:00:01] instance-0 ← scripts/spawn.py, lines 3-4 — ValueError after 0.21 s',
      'before',
      'Traceback (most recent call last):',
      `  File "${FILE}", line 4, in <module>`,
      'ValueError: boom',
      `  at ${FILE}:4`,
    ]);
  });

  test('frames outside the sent code stay as the server wrote them', () => {
    const r = raised(nested, 1);
    assert.deepEqual(mappedTraceback(r.error!.traceback, r.error!.frames).split('\n').slice(1, 4), [
      `  File "${FILE}", line 9, in <module>`,
      `  File "${FILE}", line 4, in spawn`,
      '  File "/isaac-sim/exts/omni.isaac.core/prims.py", line 120, in add',
    ]);
  });

  test('a run that did not happen, or was cancelled: the header and the message', () => {
    assert.equal(formatRun(header(), { kind: 'failed', message: 'instance-0 is stopped, not ready.' }).split('\n')[1], 'instance-0 is stopped, not ready.');
  });
});

describe('Run in Sim: the Problems entry', () => {
  test("one error at the raising line of the file (a whole file's run)", () => {
    assert.deepEqual(diagnosticOf(raised(standinTraceback(3), 1), FILE, 'instance-0'), { line: 3, message: 'ValueError: boom (raised in instance-0)', related: [] });
  });

  test("a selection's raise on its 2nd line is the file's line first + 1", () => {
    assert.equal(diagnosticOf(raised(standinTraceback(2), 3), FILE, 'instance-0')?.line, 4);
  });

  test('the innermost frame of the sent code, with the outer frames of the file as related information', () => {
    assert.deepEqual(diagnosticOf(raised(nested, 1), FILE, 'instance-0'), {
      line: 4,
      message: 'ValueError: boom (raised in instance-0)',
      related: [{ line: 9, message: 'traceback frame 1 of 3: in <module>' }],
    });
  });

  test('no entry for a successful run, a raise outside the sent code, or another file', () => {
    assert.equal(diagnosticOf({ ok: true, output: '', hasResult: false }, FILE, 'i'), undefined);
    const outside = raised('Traceback (most recent call last):\n  File "/isaac-sim/x.py", line 2, in f\nKeyError: 1\n', 1, 'KeyError', '1');
    assert.equal(diagnosticOf(outside, FILE, 'i'), undefined);
    assert.equal(diagnosticOf(raised(standinTraceback(3), 1), '/elsewhere.py', 'i'), undefined);
  });

  test('an error without a value shows its name only', () => {
    assert.equal(diagnosticOf(raised(standinTraceback(1), 1, 'StopIteration', ''), FILE, 'instance-0')?.message, 'StopIteration (raised in instance-0)');
  });
});

describe('Run in Sim: a selection as it is sent', () => {
  test('an indented block loses its common indentation; lines stay in place', () => {
    assert.equal(dedent('    a = 1\n\n    if a:\n        b()\n'), 'a = 1\n\nif a:\n    b()\n');
    assert.equal(dedent('\tx()\n\ty()'), 'x()\ny()');
  });

  test('code without a common indentation is sent as it is', () => {
    assert.equal(dedent('a()\n  b()'), 'a()\n  b()');
    assert.equal(dedent(''), '');
    assert.equal(dedent('  \n'), '  \n');
  });
});

describe('Run in Sim: the errors the commands show', () => {
  // The registry's one error path reads kind and setting (errorInfo): "Open Settings" for a bad token.
  test('a refused token names the token setting; a stopped instance and a refused connection do not', () => {
    assert.deepEqual(errorInfo(new SimPythonError('auth', 'x')), { kind: 'settings', setting: 'isaacSim.pythonServerToken' });
    assert.deepEqual(errorInfo(new SimPythonError('not-ready', 'x')), { kind: 'other' });
    assert.deepEqual(errorInfo(new SimPythonError('refused', 'x')), { kind: 'unreachable' });
  });
});
