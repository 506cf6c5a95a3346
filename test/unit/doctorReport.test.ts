/** The doctor's report rendered as Markdown. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { invalidSettingsReport, runDoctor } from '../../src/instances/doctor';
import type { PortProbe } from '../../src/instances/portProbe';
import { code, renderDoctorMarkdown } from '../../src/instances/doctorReport';
import { parseSettings } from '../../src/instances/settings';
import { portsFor } from '../../src/instances/spec';
import { settings, fakeEngine, deps, runningInstance } from './doctorFakes';

describe('doctor: markdown report', () => {
  test('title, time, engine address, one line per check with ✔ / ✘ / –, and the fix under each ✘', async () => {
    const r = await runDoctor(deps({ settings: settings({ gpus: 'none' }), engine: fakeEngine({ runtimes: ['runc'] }) }));
    const md = r.markdown;
    assert.equal(md, renderDoctorMarkdown(r));
    assert.match(md, /^# Isaac Sim preflight doctor\n/);
    assert.match(md, /Checked \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    assert.match(md, /`unix:\/\/\/var\/run\/docker\.sock`/);
    assert.match(md, /\*\*1 problem found\.\*\*/);
    const items = md.split('\n').filter((l) => l.startsWith('- '));
    assert.equal(items.length, r.checks.length);
    assert.match(items[0], /^- ✔ \*\*Docker engine\*\* — /);
    assert.match(items[1], /^- ✘ \*\*NVIDIA runtime\*\* — .*\\$/);
    assert.match(items[2], /^- – \*\*GPU request\*\* — Skipped/);
    // The fix follows the ✘ line, inside its list item.
    const lines = md.split('\n');
    const at = lines.indexOf(items[1]);
    assert.match(lines[at + 1], /^ {2}\*\*Fix:\*\* .*nvidia-ctk runtime configure/);
    assert.equal((md.match(/\*\*Fix:\*\*/g) ?? []).length, 1, 'a fix only under ✘');
  });

  test('all passed says so; multi-line details stay in their item', async () => {
    const s = settings({ instanceCount: 1 });
    const held = new Set(Object.values(portsFor(s, '4.2', 0)));
    const r = await runDoctor(deps({ settings: s, instances: [runningInstance(s, 0)], checkPort: async (p): Promise<PortProbe> => (held.has(p) ? { free: false, code: 'EADDRINUSE' } : { free: true }) }));
    assert.match(r.markdown, /\*\*All checks passed\.\*\*/);
    const portsLine = r.markdown.split('\n').findIndex((l) => l.startsWith('- ✔ **Ports**'));
    assert.ok(portsLine > 0);
    assert.match(r.markdown.split('\n')[portsLine + 1], /^ {2}instance-0 .* in use by instance-0 \(running\)/);
  });

  test('engine text goes into code spans, even with backticks and Markdown characters', async () => {
    const message = 'weird `driver` *x* [[gpu]] <b>';
    const r = await runDoctor(deps({ engine: fakeEngine({ gpu: () => ({ ok: false, stage: 'start', message }) }) }));
    assert.ok(r.markdown.includes(code(message)));
    assert.equal(code('a`b'), '``a`b``');
    assert.equal(code('`x`'), '`` `x` ``');
  });

  test('invalid settings give a one-check report that names them', () => {
    const bad = parseSettings({ memoryLimitGiB: -1 });
    assert.ok(!bad.ok);
    const r = invalidSettingsReport(bad.problems, 'unix:///var/run/docker.sock');
    assert.equal(r.checks.length, 1);
    assert.equal(r.checks[0].ok, false);
    assert.match(r.markdown, /✘ \*\*Settings\*\* — Setting isaacSim\.memoryLimitGiB/);
    assert.match(r.markdown, /\*\*Fix:\*\* Correct `isaacSim\.memoryLimitGiB`/);
  });
});
