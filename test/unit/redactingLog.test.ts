import assert from 'node:assert/strict';
import { test } from 'node:test';
import type * as vscode from 'vscode';
import { Redactor } from '../../src/instances/redact';
import { redactingLog } from '../../src/views/redactingLog';

/** Records what reaches the channel; only the members the wrapper touches. */
function fakeChannel() {
  const written: unknown[][] = [];
  let shown = 0;
  const record = (method: string) => (...args: unknown[]) => void written.push([method, ...args]);
  const channel = {
    name: 'Isaac Sim Orchestrator',
    logLevel: 2,
    trace: record('trace'),
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
    append: record('append'),
    appendLine: record('appendLine'),
    replace: record('replace'),
    show: () => void shown++,
  };
  return { channel: channel as unknown as vscode.LogOutputChannel, written, shown: () => shown };
}

test('every writer of the output channel masks known secrets and secret assignments', () => {
  const secret = 'nvapi-0123456789abcdefXYZ';
  const { channel, written, shown } = fakeChannel();
  const log = redactingLog(channel, new Redactor({ NGC_API_KEY: secret }));
  log.trace(`t ${secret}`);
  log.debug(`d ${secret}`);
  log.info(`i ${secret}`, { extra: 1 });
  log.warn(`w password=hunter22`);
  log.error(new Error(`e ${secret}`));
  log.append(`a ${secret}`);
  log.appendLine(`l ${secret}`);
  log.replace(`r ${secret}`);
  log.show(true);
  assert.equal(written.length, 8);
  const text = written.map((w) => w.map((x) => (x instanceof Error ? `${x.message} ${x.stack}` : String(x))).join(' ')).join('\n');
  assert.ok(!text.includes(secret), text);
  assert.ok(!text.includes('hunter22'), text);
  assert.equal(written.filter((w) => String(w[1]).includes('***') || (w[1] instanceof Error && w[1].message.includes('***'))).length, 8);
  assert.deepEqual(written[2][2], { extra: 1 }, 'other arguments pass through');
  assert.equal(shown(), 1, 'non-writers are forwarded');
  assert.equal(log.name, 'Isaac Sim Orchestrator');
});
