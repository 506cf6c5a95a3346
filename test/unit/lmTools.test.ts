import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  LOG_LINES,
  TOOL_NAMES,
  ToolInputError,
  untrustedMessage,
  chooseHost,
  chooseInstance,
  codeBlock,
  formatInstance,
  formatInstanceList,
  formatLogTail,
  formatRunResult,
  parseInstanceRef,
  parseListInput,
  parseLogInput,
  parseRunInput,
  runConfirmation,
  startConfirmation,
  stopConfirmation,
} from '../../src/commands/lmToolsFormat';
import * as l10n from '@vscode/l10n';
import { errorInfo } from '../../src/instances/errors';
import type { InstanceSnapshot, InstanceState } from '../../src/instances/model';
import { fixtureSnapshot } from './snapshotFixture';
import { resolvedManifest } from './manifestNls';

const NOW = 1_700_000_000_000;
const ROOT = path.resolve(__dirname, '../../..');

function snap(index: number, state: Omit<InstanceState, 'since'> & { since?: number }, more: Partial<InstanceSnapshot> = {}): InstanceSnapshot {
  return fixtureSnapshot(index, state, NOW, { containerId: '0123456789abcdef0123', gpu: 'none', ...more });
}

/** The error `fn` throws, checked to be a ToolInputError about `field`. */
function inputError(fn: () => unknown, field: string): ToolInputError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ToolInputError, `a ToolInputError, got ${String(err)}`);
    assert.equal(err.field, field);
    assert.equal(errorInfo(err).kind, 'other');
    return err;
  }
  assert.fail('no error was thrown');
}

describe('parseInstanceRef', () => {
  test('takes a label, an index as a number or a string, and an optional host', () => {
    assert.deepEqual(parseInstanceRef({ instance: 'instance-3' }), { index: 3 });
    assert.deepEqual(parseInstanceRef({ instance: 0 }), { index: 0 });
    assert.deepEqual(parseInstanceRef({ instance: ' 12 ' }), { index: 12 });
    assert.deepEqual(parseInstanceRef({ instance: 'instance-1', host: 'gpu-a' }), { index: 1, host: 'gpu-a' });
    assert.deepEqual(parseInstanceRef({ instance: 1, host: '' }), { index: 1 }, 'an empty host is no host');
  });

  test('refuses what is not an instance, saying what to send', () => {
    for (const bad of [{}, undefined, { instance: -1 }, { instance: 1.5 }, { instance: 'instance-' }, { instance: 'isaac-sim-1' }, { instance: true }, { instance: 'instance-99999' }]) {
      const err = inputError(() => parseInstanceRef(bad), 'instance');
      assert.match(err.message, /Send "instance" as the label isaacSim_listInstances shows, e\.g\. "instance-0", or its index/);
    }
    assert.match(inputError(() => parseInstanceRef({}), 'instance').message, /^no instance was given\./);
    assert.match(inputError(() => parseInstanceRef({ instance: 'x' }), 'instance').message, /^"x" is not an instance\./);
  });

  test('refuses a host that is not a string, and input that is not an object', () => {
    assert.match(inputError(() => parseInstanceRef({ instance: 0, host: 3 }), 'host').message, /must be the name of a host/);
    assert.match(inputError(() => parseInstanceRef('instance-0'), 'input').message, /JSON object/);
    inputError(() => parseInstanceRef([0]), 'input');
  });
});

describe('parseLogInput', () => {
  test('defaults to 50 lines and takes 1 to 500', () => {
    assert.deepEqual(parseLogInput({ instance: 0 }), { index: 0, lines: LOG_LINES.default });
    assert.equal(LOG_LINES.default, 50);
    assert.equal(parseLogInput({ instance: 0, lines: 1 }).lines, 1);
    assert.equal(parseLogInput({ instance: 0, lines: 500 }).lines, 500);
  });

  test('refuses a count out of range or not whole, naming the bounds', () => {
    for (const lines of [0, 501, -3, 2.5, '10', null]) {
      const err = inputError(() => parseLogInput({ instance: 0, lines }), 'lines');
      assert.match(err.message, /from 1 to 500/);
      assert.ok(err.message.includes(JSON.stringify(lines)), `the message quotes what was sent: ${err.message}`);
    }
  });

  test('checks the instance first', () => {
    inputError(() => parseLogInput({ lines: 5 }), 'instance');
  });
});

describe('parseRunInput', () => {
  test('takes the code as it is', () => {
    assert.deepEqual(parseRunInput({ instance: 'instance-0', code: 'print("hello")\n' }), { index: 0, code: 'print("hello")\n' });
  });

  test('refuses missing, empty or non-string code, with an example', () => {
    assert.match(inputError(() => parseRunInput({ instance: 0 }), 'code').message, /^No code was given\. Send the Python source/);
    assert.match(inputError(() => parseRunInput({ instance: 0, code: '  \n' }), 'code').message, /^The code is empty\./);
    assert.match(inputError(() => parseRunInput({ instance: 0, code: 42 }), 'code').message, /must be a string, not 42/);
  });
});

describe('parseListInput', () => {
  test('an optional host', () => {
    assert.deepEqual(parseListInput(undefined), {});
    assert.deepEqual(parseListInput({}), {});
    assert.deepEqual(parseListInput({ host: 'gpu-a' }), { host: 'gpu-a' });
    inputError(() => parseListInput({ host: 1 }), 'host');
  });
});

describe('chooseHost and chooseInstance', () => {
  test('one unnamed host: no host needed, and naming one is an error that says to leave it out', () => {
    assert.equal(chooseHost([{ name: '' }], undefined), '');
    assert.match(inputError(() => chooseHost([{ name: '' }], 'gpu-a'), 'host').message, /leave "host" out/);
  });

  test('several hosts: the one named, else an error listing them', () => {
    const hosts = [{ name: 'gpu-a' }, { name: 'gpu-b' }];
    assert.equal(chooseHost(hosts, 'gpu-b'), 'gpu-b');
    assert.match(inputError(() => chooseHost(hosts, undefined), 'host').message, /Several hosts are configured \("gpu-a", "gpu-b"\): name one in "host"/);
    assert.match(inputError(() => chooseHost(hosts, 'gpu-c'), 'host').message, /no host named "gpu-c"\. Use one of "gpu-a", "gpu-b"/);
    assert.match(inputError(() => chooseHost([], undefined), 'host').message, /isaacSim\.endpoints/);
  });

  test('an unknown instance names those there are and the setting for more', () => {
    const list = [snap(0, { kind: 'ready' }), snap(1, { kind: 'stopped' })];
    assert.equal(chooseInstance(list, 1, '').label, 'instance-1');
    const err = inputError(() => chooseInstance(list, 7, ' on host "gpu-a"'), 'instance');
    assert.match(err.message, /^There is no instance-7 on host "gpu-a": the instances are instance-0, instance-1\. .*isaacSim\.instanceCount/);
  });
});

describe('formatInstance / formatInstanceList', () => {
  test('a ready instance: state, image, ports, code server, container', () => {
    const text = formatInstance(snap(0, { kind: 'ready' }), NOW);
    const lines = text.split('\n');
    assert.equal(lines[0], '- instance-0 (index 0): ready');
    assert.ok(lines.includes('    ports: Kit HTTP 8211, signal 49100'), text);
    assert.ok(lines.includes('    code server: port 8226 (omni.isaac.vscode)'), text);
    assert.ok(lines.includes('    container: isaac-sim-instance-0 (0123456789ab)'), text);
    assert.ok(lines.some((l) => l.startsWith('    image: nvcr.io/nvidia/isaac-sim:4.2.0 (')), text);
  });

  test('a loading instance shows its phase, elapsed time and expected total', () => {
    const s = snap(0, { kind: 'loading', phase: 'shaders', since: NOW - 72_000 }, { startup: { since: NOW - 72_000, kind: 'first', etaMs: 160_000 } });
    const text = formatInstance(s, NOW);
    assert.match(text, /^- instance-0 \(index 0\): compiling shaders 1:12 of ~2:40$/m);
    assert.match(text, /^ {4}loading: compiling shaders, 1:12 so far, usually ready after ~2:40$/m);
  });

  test('a failed instance shows its reason and fix', () => {
    const text = formatInstance(snap(0, { kind: 'failed', reason: 'no CUDA GPU', fix: 'Install the NVIDIA driver.' }), NOW);
    assert.match(text, /^ {4}failure: no CUDA GPU$/m);
    assert.match(text, /^ {4}fix: Install the NVIDIA driver\.$/m);
  });

  test('a 6.x code server says whether its token is known; none says why', () => {
    const missing = formatInstance(snap(0, { kind: 'loading' }, { codeServer: { kind: 'enabled', port: 8226, extension: 'isaacsim.code_editor.python_server', token: 'missing' } }), NOW);
    assert.match(missing, /code server: port 8226 \(isaacsim\.code_editor\.python_server, token not known yet/);
    const none = formatInstance(snap(0, { kind: 'ready' }, { codeServer: { kind: 'none', reason: 'custom image' } }), NOW);
    assert.match(none, /code server: none \(custom image\)/);
  });

  test('a list names each host with its engine state, and asks for the host when there are several', () => {
    const one = formatInstanceList([{ name: '', status: { name: '', engine: 'connected', version: '24.0.7', ready: 1, total: 1 }, instances: [snap(0, { kind: 'ready' })] }], NOW);
    assert.match(one, /^Docker engine: reachable · Docker 24\.0\.7 · 1\/1 ready\n- instance-0 \(index 0\): ready/);
    assert.doesNotMatch(one, /Name the host/);
    const two = formatInstanceList(
      [
        { name: 'gpu-a', status: { name: 'gpu-a', engine: 'connected', version: '24.0.7', ready: 0, total: 1 }, instances: [snap(0, { kind: 'stopped' }, { exists: false, containerId: undefined })] },
        { name: 'gpu-b', status: { name: 'gpu-b', engine: 'unreachable', message: 'connection refused', ready: 0, total: 0 }, instances: undefined },
      ],
      NOW,
    );
    assert.match(two, /^Host "gpu-a": reachable/m);
    assert.match(two, /^- instance-0 \(index 0\): not created$/m);
    assert.match(two, /container: isaac-sim-instance-0 \(not created\)/);
    assert.match(two, /^Host "gpu-b": unreachable: connection refused$/m);
    assert.match(two, /Name the host in "host"/);
  });
});

describe('formatLogTail and formatRunResult', () => {
  test('the log: the lines under a head that says how many', () => {
    assert.equal(formatLogTail('instance-0', 2, ['a', 'b']), "The last 2 lines of instance-0's log:\na\nb");
    assert.equal(formatLogTail('instance-0', 50, ['a']), 'The whole log of instance-0 (1 line; 50 were asked for):\na');
    assert.equal(formatLogTail('instance-0', 50, []), "instance-0's container log is empty.");
  });

  test('a run that printed', () => {
    const text = formatRunResult('instance-0', { ok: true, output: 'hello\n', hasResult: false, elapsedSeconds: 0.0123 });
    assert.equal(text, 'The code ran in instance-0 in 0.01 s.\nOutput:\nhello');
  });

  test("a 6.x run's value is shown, a string as it is", () => {
    assert.match(formatRunResult('instance-0', { ok: true, output: '', hasResult: true, result: { a: 1 } }), /^Output: \(none\)\nResult: \{"a":1\}$/m);
    assert.match(formatRunResult('instance-0', { ok: true, output: '', hasResult: true, result: 'text' }), /^Result: text$/m);
  });

  test('a raising run: the error, its line in the sent code, the output and the traceback', () => {
    const traceback = 'Traceback (most recent call last):\n  File "<string>", line 3, in <module>\nRuntimeError: boom';
    const text = formatRunResult('instance-0', {
      ok: false,
      output: 'before\n',
      hasResult: false,
      error: { ename: 'RuntimeError', evalue: 'boom', traceback, frames: [], location: { file: '<string>', line: 3, function: '<module>', source: { file: 'x', line: 3 } } },
    });
    assert.equal(text, `The code raised RuntimeError: boom, at line 3 of the code, in instance-0.\nOutput:\nbefore\nTraceback:\n${traceback}`);
  });
});

describe('confirmations', () => {
  test('a code block outlasts the backticks in the code', () => {
    assert.equal(codeBlock('print(1)\n'), '```python\nprint(1)\n```');
    assert.equal(codeBlock('s = """```"""'), '````python\ns = """```"""\n````');
  });

  test('run shows the code; start names the image; stop says what is lost', () => {
    const run = runConfirmation('instance-0', 'print("hi")', l10n);
    assert.equal(run.title, 'Run Python in Isaac Sim instance-0?');
    assert.ok(run.message.endsWith('```python\nprint("hi")\n```'), run.message);
    const start = startConfirmation('gpu-a/instance-1', snap(1, { kind: 'stopped' }), l10n);
    assert.equal(start.title, 'Start Isaac Sim gpu-a/instance-1?');
    assert.match(start.message, /`nvcr\.io\/nvidia\/isaac-sim:4\.2\.0` \(Isaac Sim 4\.2/);
    assert.match(startConfirmation('instance-5', undefined, l10n).message, /settings in effect/);
    assert.match(stopConfirmation('instance-0', l10n).message, /not saved in the simulation is lost/);
  });

  test('the untrusted refusal says why and how to allow it', () => {
    assert.match(untrustedMessage(l10n), /not trusted/);
    assert.match(untrustedMessage(l10n), /Manage Workspace Trust/);
  });
});

describe('the languageModelTools contribution', () => {
  // The descriptions as VS Code gives them in English (package.nls.json's, test/unit/manifestNls.ts).
  const manifest = resolvedManifest<{
    contributes: { languageModelTools: Array<{ name: string; when?: string; displayName: string; modelDescription: string; toolReferenceName?: string; canBeReferencedInPrompt?: boolean; inputSchema: { type: string; properties: Record<string, { type: string; minimum?: number; maximum?: number; default?: unknown }>; required?: string[] } }> };
  }>(ROOT);
  const tools = manifest.contributes.languageModelTools;
  const byName = new Map(tools.map((t) => [t.name, t]));

  test('contributes exactly the tools the code registers, each described', () => {
    assert.deepEqual(tools.map((t) => t.name).sort(), Object.values(TOOL_NAMES).sort());
    for (const t of tools) {
      assert.match(t.name, /^[\w-]+$/);
      assert.ok(t.displayName && t.modelDescription.length > 80, `${t.name} is described`);
      if (t.canBeReferencedInPrompt) assert.match(t.toolReferenceName ?? '', /^[\w-]+$/, `${t.name}: canBeReferencedInPrompt needs a toolReferenceName`);
      assert.equal(t.inputSchema.type, 'object');
    }
  });

  test('start and run are offered only in a trusted workspace; list, log and stop everywhere', () => {
    for (const name of [TOOL_NAMES.start, TOOL_NAMES.run]) assert.equal(byName.get(name)?.when, 'isWorkspaceTrusted', name);
    for (const name of [TOOL_NAMES.list, TOOL_NAMES.logs, TOOL_NAMES.stop]) assert.equal(byName.get(name)?.when, undefined, name);
  });

  test('the schemas match what the parsers take', () => {
    const log = byName.get(TOOL_NAMES.logs)!.inputSchema;
    assert.deepEqual([log.properties.lines.minimum, log.properties.lines.maximum, log.properties.lines.default], [LOG_LINES.min, LOG_LINES.max, LOG_LINES.default]);
    for (const name of [TOOL_NAMES.start, TOOL_NAMES.stop, TOOL_NAMES.logs]) assert.deepEqual(byName.get(name)!.inputSchema.required, ['instance'], name);
    assert.deepEqual(byName.get(TOOL_NAMES.run)!.inputSchema.required, ['instance', 'code']);
    assert.equal(byName.get(TOOL_NAMES.list)!.inputSchema.required, undefined);
  });
});
