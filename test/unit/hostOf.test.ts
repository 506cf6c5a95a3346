import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostOf, NO_HOST } from '../../src/views/hostOf';

test("a notification names the instance with its host only while there is more than one host", () => {
  let several = false;
  const host = hostOf('gpu-a', () => several);
  assert.equal(host.name, 'gpu-a');
  assert.equal(host.label('instance-0'), 'instance-0');
  several = true;
  assert.equal(host.label('instance-0'), 'gpu-a/instance-0', 'read when the message is made: a host added later counts');
  assert.equal(NO_HOST.name, '');
  assert.equal(NO_HOST.label('instance-3'), 'instance-3');
});
