/** fillTemplate: the placeholders of URL and argument templates. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TEMPLATE_PLACEHOLDERS, fillTemplate } from '../../src/instances/templates';

describe('fillTemplate', () => {
  test('replaces every known placeholder, repeatedly', () => {
    assert.equal(
      fillTemplate('http://{host}:{httpPort}/?server={host}&s={signalPort}&i={index}&l={label}&h={httpPort}', {
        host: '10.0.0.2',
        httpPort: 8212,
        signalPort: 49101,
        index: 1,
        label: 'instance-1',
      }),
      'http://10.0.0.2:8212/?server=10.0.0.2&s=49101&i=1&l=instance-1&h=8212',
    );
  });

  test('leaves unknown and missing placeholders as they are', () => {
    assert.equal(fillTemplate('{host}/{nope}/{index}', { host: 'h' }), 'h/{nope}/{index}');
    // The removed profiles' placeholders are unknown now.
    assert.equal(fillTemplate('{webrtcPort}/{nativePort}', { host: 'h', httpPort: 1 }), '{webrtcPort}/{nativePort}');
  });

  test('does not resolve inherited names such as {constructor} or {toString}', () => {
    assert.equal(fillTemplate('{constructor}{toString}{__proto__}', { host: 'h' }), '{constructor}{toString}{__proto__}');
  });

  test('substitutes 0 and values with $ patterns literally', () => {
    assert.equal(fillTemplate('a{index}b{host}c', { index: 0, host: "$&$1$'" }), "a0b$&$1$'c");
  });

  test('replaces the signal, stream and web viewer placeholders', () => {
    assert.equal(
      fillTemplate('--s={signalPort} --m={streamPort} --v={webViewerPort} --ip={host}', { host: '10.0.0.2', signalPort: 49101, streamPort: 47999, webViewerPort: 8211 }),
      '--s=49101 --m=47999 --v=8211 --ip=10.0.0.2',
    );
  });

  test('text without placeholders is unchanged', () => {
    assert.equal(fillTemplate('--flag={not a placeholder}', { host: 'h' }), '--flag={not a placeholder}');
    assert.deepEqual([...TEMPLATE_PLACEHOLDERS], ['host', 'httpPort', 'signalPort', 'streamPort', 'webViewerPort', 'index', 'label']);
  });
});
