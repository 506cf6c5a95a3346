/**
 * The sim view's note on where the stream itself goes: said when the page comes through a forward
 * (asExternalUri changed its URL) or from another machine, with the ports the browser must reach.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mediaNote } from '../../src/views/mediaNote';

const v6 = { clientUrl: 'http://127.0.0.1:8210/', ports: { signal: 49100, stream: 47998, webViewer: 8210 }, version: '6.x' as const };
const v42 = { clientUrl: 'http://127.0.0.1:8211/streaming/webrtc-demo/?server=127.0.0.1', ports: { http: 8211, signal: 49101 }, version: '4.2' as const };

test('nothing to say for a page of this machine that is not forwarded', () => {
  assert.equal(mediaNote(v6, v6.clientUrl), '');
  assert.equal(mediaNote(v42, v42.clientUrl), '');
});

test("a forwarded page (code-server's /proxy/, VS Code Remote) names the simulator's host and ports: 6.x its UDP stream port", () => {
  const note = mediaNote(v6, 'https://workbench.example/proxy/8210/');
  assert.equal(note, 'The page comes through a forwarded port, the stream does not: this browser must reach 127.0.0.1 on TCP 49100 (signalling) and UDP 47998 (video, ISAACSIM_STREAM_PORT), or the view stays black. A TCP forward cannot carry UDP.');
  const remote = mediaNote(v6, 'http://localhost:51234/');
  assert.match(remote, /forwarded port/, 'a port forward to another local port');
});

test('4.2 names no UDP port: its client leaves them to WebRTC', () => {
  const note = mediaNote(v42, 'http://127.0.0.1:20000/proxy/8211/streaming/webrtc-demo/?server=127.0.0.1');
  assert.match(note, /on TCP 49101 \(signalling\) and the UDP ports WebRTC picks \(video\)/);
  assert.doesNotMatch(note, /ISAACSIM_STREAM_PORT/);
});

test('a simulator on another machine is named even when the page is not forwarded', () => {
  const far = { ...v6, clientUrl: 'http://10.0.0.7:8210/' };
  const note = mediaNote(far, far.clientUrl);
  assert.match(note, /^The stream comes from 10\.0\.0\.7: this browser must reach 10\.0\.0\.7 on TCP 49100 \(signalling\) and UDP 47998/);
});

test('an unusable URL gives no note rather than a wrong one', () => {
  assert.equal(mediaNote({ ...v6, clientUrl: '' }, 'http://127.0.0.1:8210/'), '');
  assert.equal(mediaNote(v6, 'not a url'), '');
});
