/**
 * Several engines at once, the parts without VS Code: what a host node says (describeHost), which
 * host a command asks for (planHostPick, planHostsChoice), and Add Endpoint from Docker Context's
 * reading of `docker context ls` and its change to isaacSim.endpoints (contextList.ts).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { endpointName, parseContextList, parseContextMeta, withContext } from '../../src/commands/contextList';
import { planHostPick, planHostsChoice, type HostOption, type InstanceSource } from '../../src/commands/targets';
import { describeHost } from '../../src/instances/fleet';
import { planEndpoints } from '../../src/instances/fleetSettings';
import type { InstanceSnapshot, InstanceStateKind } from '../../src/instances/model';
import { DEFAULT_SETTINGS, parseSettings } from '../../src/instances/settings';

const NO_TOP = { dockerHost: '', dockerContext: '' };

function source(...kinds: InstanceStateKind[]): InstanceSource {
  const list = kinds.map((kind, index) => ({ index, label: `instance-${index}`, state: { kind, since: 0 }, exists: kind !== 'stopped', clientUrl: '' }) as unknown as InstanceSnapshot);
  return { list: () => list, get: (i) => list[i] };
}

describe('host nodes and host picks', () => {
  test('describeHost: reachable with version and count, or why not', () => {
    assert.equal(describeHost({ name: 'a', engine: 'connected', version: '20.10.24', ready: 2, total: 3 }), 'reachable · Docker 20.10.24 · 2/3 ready');
    assert.equal(describeHost({ name: 'a', engine: 'unreachable', message: 'Docker engine unreachable at unix:///x.sock', ready: 0, total: 1 }), 'unreachable: Docker engine unreachable at unix:///x.sock');
    assert.match(describeHost({ name: 'a', engine: 'invalid', message: 'Setting isaacSim.endpoints[1].dockerHost is ...', ready: 0, total: 0 }), /^invalid settings: Setting isaacSim\.endpoints\[1\]\.dockerHost/);
    assert.equal(describeHost({ name: 'a', engine: 'connecting', ready: 0, total: 1 }), 'connecting…');
  });

  const hosts: HostOption[] = [
    { name: 'a', source: source('ready', 'stopped'), description: 'reachable' },
    { name: 'b', source: source('stopped'), description: 'reachable' },
    { name: 'bad', source: undefined, description: 'invalid settings' },
  ];

  test('Start Instance asks among the hosts with valid settings', () => {
    const plan = planHostPick(hosts, 'startable');
    assert.equal(plan.kind, 'ask');
    assert.deepEqual(plan.kind === 'ask' ? plan.items.map((i) => i.host) : [], ['a', 'b']);
  });

  test('a host with nothing for the command is not offered; one left is taken without asking', () => {
    assert.deepEqual(planHostPick(hosts, 'running'), { kind: 'one', host: 'a' });
    assert.deepEqual(planHostPick([hosts[2]], 'startable'), { kind: 'none' });
  });

  test('Start All / Stop All from the palette: "All hosts" first, then each usable host', () => {
    const items = planHostsChoice(hosts);
    assert.deepEqual(items.map((i) => [i.label, i.hosts]), [
      ['$(server-environment) All hosts', ['a', 'b']],
      ['a', ['a']],
      ['b', ['b']],
    ]);
  });
});

describe('Add Endpoint from Docker Context', () => {
  test('reads both output forms of docker context ls --format json, skipping what it cannot read', () => {
    const lines = [
      '{"Current":true,"Description":"Current DOCKER_HOST based configuration","DockerEndpoint":"unix:///var/run/docker.sock","Name":"default"}',
      'not json',
      '{"Current":false,"Description":"","DockerEndpoint":"tcp://127.0.0.1:2376","Name":"gpu box"}',
    ].join('\n');
    assert.deepEqual(parseContextList(lines), [
      { name: 'default', host: 'unix:///var/run/docker.sock', description: 'Current DOCKER_HOST based configuration', current: true },
      { name: 'gpu box', host: 'tcp://127.0.0.1:2376', description: '', current: false },
    ]);
    assert.deepEqual(parseContextList('[{"Name":"x","DockerEndpoint":"ssh://u@h","Current":false}, {"Name":"no endpoint"}]'), [{ name: 'x', host: 'ssh://u@h', description: '', current: false }]);
    assert.deepEqual(parseContextList(''), []);
  });

  test("reads a context's meta.json", () => {
    const meta = JSON.stringify({ Name: 'remote', Metadata: { Description: 'lab' }, Endpoints: { docker: { Host: 'tcp://127.0.0.1:2375', SkipTLSVerify: false } } });
    assert.deepEqual(parseContextMeta(meta), { name: 'remote', host: 'tcp://127.0.0.1:2375', description: 'lab', current: false });
    assert.equal(parseContextMeta('{"Name":"x"}'), undefined);
    assert.equal(parseContextMeta('{'), undefined);
  });

  test('a context name becomes a valid, unused endpoint name', () => {
    assert.equal(endpointName('gpu box #1', new Set()), 'gpu-box-1');
    assert.equal(endpointName('a', new Set(['a', 'a-2'])), 'a-3');
    assert.equal(endpointName('***', new Set()), 'engine');
  });

  test('the first one added keeps the engine used so far as "local"; the result is valid settings with two hosts', () => {
    const ctx = { name: 'lab', host: 'tcp://127.0.0.1:2375', description: '', current: false };
    const { endpoints, added } = withContext([], ctx, NO_TOP);
    assert.equal(added, 'lab');
    // By name: its engine is then reached with the context's own TLS files, as `docker --context lab` would.
    assert.deepEqual(endpoints, [
      { name: 'local', dockerHost: '' },
      { name: 'lab', dockerContext: 'lab' },
    ]);
    const plan = planEndpoints(parseSettings({ ...DEFAULT_SETTINGS, endpoints }));
    assert.deepEqual(plan.endpoints.map((e) => [e.name, e.result.ok]), [['local', true], ['lab', true]]);
  });

  test('an engine already listed (or the one used so far) is not added twice', () => {
    const ctx = { name: 'default', host: 'unix:///var/run/docker.sock', description: '', current: true };
    assert.deepEqual(withContext([], ctx, NO_TOP, undefined), { endpoints: [], added: undefined });
    assert.equal(withContext([{ name: 'x', dockerHost: 'unix:///var/run/docker.sock' }], ctx, NO_TOP).added, undefined);
    const more = withContext([{ name: 'default', dockerHost: 'unix:///other.sock' }], { ...ctx, host: 'unix:///third.sock' }, NO_TOP);
    assert.equal(more.added, 'default-2');
    assert.equal(more.endpoints.length, 2);
  });

  test('a context already listed by name is not added twice; a top-level dockerContext becomes the "local" endpoint by name', () => {
    const ctx = { name: 'lab', host: 'tcp://10.0.0.5:2376', description: '', current: false };
    assert.equal(withContext([{ name: 'gpu', dockerContext: 'lab' }], ctx, NO_TOP).added, undefined);
    assert.equal(withContext([], ctx, { dockerHost: '', dockerContext: 'lab' }).added, undefined);
    const fromContext = withContext([], { ...ctx, name: 'other' }, { dockerHost: '', dockerContext: 'lab' });
    assert.deepEqual(fromContext.endpoints, [
      { name: 'local', dockerContext: 'lab' },
      { name: 'other', dockerContext: 'other' },
    ]);
    const plan = planEndpoints(parseSettings({ ...DEFAULT_SETTINGS, dockerContext: 'lab', endpoints: fromContext.endpoints }));
    assert.deepEqual(plan.endpoints.map((e) => [e.name, e.result.ok && e.result.settings.dockerContext, e.result.ok && e.result.settings.dockerHost]), [['local', 'lab', ''], ['other', 'other', '']]);
  });
});
