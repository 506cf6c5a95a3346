// scripts/gpu-check.sh's choice of containers (labelled and running by default, --all, names, --host) and a port another container holds.
// Instances 95-98 (gpuCheckVersions uses 91-94).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dockerOk, run } from './exec';
import { IMAGE, OWNER, container, gpuCheck, gpuCheckHooks, http, instance, logText, portLine, section, signal, summary, SHADERS_DONE, waitFor, waitReady } from './gpuCheckSetup';

gpuCheckHooks();

test('selection: labelled running containers by default, stopped ones with --all; unknown names and bad --host', { timeout: 90_000 }, async () => {
  const n = 95;
  const running = await instance(n, IMAGE.v51, {
    args: [`--/exts/omni.services.transport.server.http/port=${http(n)}`, `--/app/livestream/port=${signal(n)}`],
  });
  const stopped = await container('isaac-sim-instance-96', IMAGE.v51, { start: false, labels: [OWNER, 'dev.isaac-sim-orchestrator.instance=96'] });
  const foreign = await container(`gpu-check-test-foreign-${process.pid}`, IMAGE.v51, {
    args: [`--/exts/omni.services.transport.server.http/port=${http(98)}`, `--/app/livestream/port=${signal(98)}`],
  });
  await waitReady(running);
  await waitReady(foreign);

  const byDefault = await gpuCheck();
  assert.ok(byDefault.stdout.includes(`\n== ${running} (`), byDefault.stdout);
  assert.ok(!byDefault.stdout.includes(`\n== ${stopped} (`), 'stopped containers only with --all');
  assert.ok(!byDefault.stdout.includes(`\n== ${foreign} (`), 'containers without the owner label are left out');
  const all = await gpuCheck('--all');
  assert.ok(all.stdout.includes(`\n== ${running} (`) && all.stdout.includes(`\n== ${stopped} (`), all.stdout);
  assert.ok(!all.stdout.includes(`\n== ${foreign} (`));
  // Counted sections match the summary (whatever else runs on this engine).
  for (const rep of [byDefault, all]) {
    const sections = rep.stdout.split('\n').filter((l) => l.startsWith('== ')).length;
    assert.equal(summary(rep.stdout).checked, sections);
    assert.equal(rep.code === 0, summary(rep.stdout).problems === 0, 'exit 0 exactly when no problem');
  }

  const named = await gpuCheck(foreign);
  assert.deepEqual(summary(named.stdout), { checked: 1, problems: 0 }, named.stdout);
  assert.match(section(named.stdout, foreign), /-> Isaac Sim 4\.5-5\.x \(from tag\)/);

  const missing = await gpuCheck(`gpu-check-test-none-${process.pid}`);
  assert.match(missing.stdout, /== gpu-check-test-none-\d+: no such container\n {2}PROBLEM: container \S+ not found/);
  assert.deepEqual(summary(missing.stdout), { checked: 0, problems: 1 });
  assert.equal(missing.code, 1);

  for (const bad of ['evil.example/x', 'a b', 'http://x', '']) {
    const r = await gpuCheck('--host', bad, running);
    assert.equal(r.code, 2, `--host '${bad}'`);
    assert.match(r.stderr, /is not a host name or IP address/);
    assert.equal(r.stdout, '', 'nothing is checked with a bad --host');
  }
  const help = await gpuCheck('--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /bash scripts\/gpu-check\.sh \[--host H\] \[--all\] \[CONTAINER\.\.\.\]/);
});

test('a port held by another container is named, and counts as a problem', { timeout: 90_000 }, async () => {
  const n = 97;
  const holder = await container(`gpu-check-test-holder-${process.pid}`, IMAGE.v51, {
    args: [`--/exts/omni.services.transport.server.http/port=${http(n + 10)}`, `--/app/livestream/port=${signal(n)}`],
  });
  await waitReady(holder);
  const name = await instance(n, IMAGE.v51, {
    env: { STANDIN_MODE: 'hang' },
    args: [`--/exts/omni.services.transport.server.http/port=${http(n)}`, `--/app/livestream/port=${signal(n)}`],
  });
  await waitFor(`${name} shader phase`, async () => SHADERS_DONE.test(await logText(name)));
  const r = await gpuCheck(name);
  const sec = section(r.stdout, name);
  const line = portLine(sec, 'signal');
  assert.match(line, new RegExp(`tcp ${signal(n)} +\\(arg\\) listening: 127\\.0\\.0\\.1:${signal(n)} `), line);
  assert.doesNotMatch(line, /this container/);
  // The script can tell whose socket it is when this host's cgroup paths name containers.
  const holderId = (await dockerOk('inspect', '-f', '{{.Id}}', holder)).trim();
  const holderPid = (await dockerOk('inspect', '-f', '{{.State.Pid}}', holder)).trim();
  const cgroupNamesIt = await run('grep', ['-q', holderId, `/proc/${holderPid}/cgroup`]).then((x) => x.code === 0, () => false);
  const expected = cgroupNamesIt ? 2 : 1; // + no readiness line
  if (cgroupNamesIt) {
    assert.match(line, new RegExp(`\\(container ${holder}\\)`), line);
    assert.match(sec, new RegExp(`PROBLEM: signal port tcp ${signal(n)} is held by another process, not by this container`));
  }
  assert.match(sec, /PROBLEM: running but no readiness line/);
  assert.deepEqual(summary(r.stdout), { checked: 1, problems: expected });
  assert.equal(r.code, 1);
});
