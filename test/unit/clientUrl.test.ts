/**
 * The sim view URL builder (src/instances/clientUrl.ts), case by case: the iframe may only ever point at an http(s)
 * URL on isaacSim.host or on a host written out in the template, whatever the template or the values hold. The
 * fast-check properties and the settings schema's checks are in clientUrlProperties.test.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildClientUrl, urlTemplateProblem } from '../../src/instances/clientUrl';
import { DEFAULT_SETTINGS } from '../../src/instances/settings';
import { CLIENT, VIEWER, assertRefused, okUrl, values } from './clientUrlFixture';

describe('buildClientUrl: the normal cases', () => {
  test('the default web client URL (4.2\'s webrtc-demo page) and the 6.x web viewer URL', () => {
    assert.equal(okUrl(buildClientUrl(DEFAULT_SETTINGS.clientUrlTemplate, values(), CLIENT)).href, 'http://127.0.0.1:8211/streaming/webrtc-demo/?server=127.0.0.1');
    assert.equal(okUrl(buildClientUrl(DEFAULT_SETTINGS.webViewerUrlTemplate, values({ webViewerPort: 8213 }), VIEWER)).href, 'http://127.0.0.1:8213/');
  });

  test('the result carries the URL and its origin', () => {
    const r = buildClientUrl('https://{host}:{httpPort}/a?b={label}#c', values({ host: 'Sim-Box.local' }), CLIENT);
    assert.deepEqual(r, { ok: true, url: 'https://sim-box.local:8211/a?b=instance-0#c', origin: 'https://sim-box.local:8211' });
  });

  test('IPv6 hosts in brackets, as isaacSim.host and written out', () => {
    const r = buildClientUrl('http://{host}:{httpPort}/?server={host}', values({ host: '[::1]' }), CLIENT);
    const url = okUrl(r);
    assert.equal(url.origin, 'http://[::1]:8211');
    assert.equal(url.searchParams.get('server'), '[::1]', 'the query value round-trips');
    assert.equal(okUrl(buildClientUrl('http://{host}/', values({ host: '[2001:db8::1]' }), CLIENT)).hostname, '[2001:db8::1]');
    assert.equal(okUrl(buildClientUrl('http://{host}/', values({ host: '[::ffff:127.0.0.1]' }), CLIENT)).hostname, '[::ffff:7f00:1]');
    assert.equal(okUrl(buildClientUrl('http://[::1]:{httpPort}/', values(), CLIENT)).origin, 'http://[::1]:8211');
  });

  test('a host written out in the template (a reverse proxy, a name for the box) is used as written', () => {
    assert.equal(okUrl(buildClientUrl('https://sim.lab.example/{label}/', values({ label: 'instance-3' }), CLIENT)).href, 'https://sim.lab.example/instance-3/');
    assert.equal(okUrl(buildClientUrl('http://localhost:{httpPort}/', values(), CLIENT)).origin, 'http://localhost:8211');
    assert.equal(okUrl(buildClientUrl('http://viewer:9000/?i={index}', values({ index: 2 }), VIEWER)).href, 'http://viewer:9000/?i=2');
    // The written host decides even when isaacSim.host is something else.
    assert.equal(okUrl(buildClientUrl('http://10.0.0.5/', values({ host: 'other' }), CLIENT)).origin, 'http://10.0.0.5');
  });

  test('the scheme may be written in any case; a template may end right after the authority', () => {
    assert.equal(okUrl(buildClientUrl('HTTPS://{host}:{webViewerPort}', values(), VIEWER)).href, 'https://127.0.0.1:8210/');
    assert.equal(okUrl(buildClientUrl('http://{host}?x={index}', values(), CLIENT)).href, 'http://127.0.0.1/?x=0');
    assert.equal(okUrl(buildClientUrl('http://{host}#{label}', values(), CLIENT)).href, 'http://127.0.0.1/#instance-0');
  });

  test('every port placeholder may stand for the port', () => {
    for (const name of ['httpPort', 'signalPort', 'streamPort', 'webViewerPort'] as const) {
      assert.equal(okUrl(buildClientUrl(`http://{host}:{${name}}/`, values({ [name]: 4321 }), CLIENT)).port, '4321', name);
    }
  });

  test('the removed placeholders {webrtcPort} and {nativePort} cannot stand for the port', () => {
    for (const name of ['webrtcPort', 'nativePort']) {
      for (const setting of [CLIENT, VIEWER]) assertRefused(buildClientUrl(`http://{host}:{${name}}/`, values(), setting), setting, name);
    }
  });
});

describe('buildClientUrl: hostile templates are refused with an error naming the setting', () => {
  const hostile = [
    'javascript:alert(1)',
    'JavaScript:alert(document.domain)',
    'jAvAsCrIpT:alert(1)',
    ' javascript:alert(1)',
    '\tjavascript:alert(1)',
    ' \t JaVaScRiPt:alert(1)',
    '\njavascript:alert(1)',
    'java\tscript:alert(1)',
    'javascript://{host}/%0aalert(1)',
    'data:text/html,<script>alert(1)</script>',
    'DATA:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
    'file:///etc/passwd',
    'FILE://{host}/etc/passwd',
    'vbscript:msgbox(1)',
    'blob:http://{host}/x',
    'ws://{host}:{httpPort}/',
    'ftp://{host}/',
    'vscode://x/',
    '//evil.example/',
    '///evil.example/',
    '\\\\evil.example\\',
    '/\\evil.example/',
    'http:evil.example/',
    'http:/evil.example/',
    'http:///evil.example/',
    'http:\\\\evil.example\\',
    'http:/\\evil.example/',
    'http://\\evil.example/',
    ' http://{host}/',
    'http://{host}/ ',
    'http://{host}@evil.example/',
    'http://{host}:{httpPort}@evil.example/',
    'http://evil.example\\@{host}/',
    'http://evil.example@{host}/',
    'http://user:secret@{host}:{httpPort}/',
    'http://{host}\\@evil.example/',
    'http://{host}\\evil.example/',
    'http://{host}\t@evil.example/',
    'http://{host}\r\n@evil.example/',
    'http://{host}%40evil.example/',
    'http://{host}.evil.example/',
    'http://evil.example.{host}/',
    'http://{host}{label}/',
    'http://{label}/',
    'http://{index}.0.0.1/',
    'http://[{host}]/',
    'http://{HOST}/',
    'http://{host}:{label}/',
    'http://{host}:{index}/',
    'http://{host}:{nope}/',
    'http://{host}:0/',
    'http://{host}:65536/',
    'http://{host}:99999/',
    'http://{host}:/',
    'http://{host}:80:81/',
    'http://{host}:{httpPort}{index}/',
    'http://evil。example/',
    'http://evil．example/',
    'http://evil｡example/',
    'http://127。0。0。1/',
    'http://ｅｖｉｌ.example/',
    'http://%65vil.example/',
    'http://evil.example%2f@{host}/',
    'http://[::1/',
    'http://[::1]x/',
    'http://[::1]]/',
    'http://[fe80::1%25eth0]/',
    'http://[::1]@evil.example/',
    'http://::1/',
    'http://{host}/\u2028',
    'http://{host}/\u00a0',
    'http://{host}/\u0000',
    'http://{host}/{nope}',
    'http://{host}/?x={constructor}',
    'http://{host}/?x={toString}',
    '{host}:{httpPort}',
    'http://',
    'https://',
    '',
    'not a url',
  ];

  for (const template of hostile) {
    test(JSON.stringify(template), () => {
      assertRefused(buildClientUrl(template, values(), CLIENT), CLIENT, template);
      assertRefused(buildClientUrl(template, values(), VIEWER), VIEWER, template);
    });
  }

  test('{__proto__} is not a placeholder name: it stays literal text after the host', () => {
    const url = okUrl(buildClientUrl('http://{host}/?x={__proto__}', values(), CLIENT));
    assert.equal(url.origin, 'http://127.0.0.1');
    assert.equal(url.searchParams.get('x'), '{__proto__}');
  });

  test('urlTemplateProblem says why, in words', () => {
    assert.match(urlTemplateProblem('javascript:alert(1)')!, /must start with http:\/\/ or https:\/\//);
    assert.match(urlTemplateProblem('http://{host}@evil.example/')!, /user info/);
    assert.match(urlTemplateProblem('http://evil.example\\@{host}/')!, /backslash/);
    assert.match(urlTemplateProblem('http://{host}.evil.example/')!, /exactly \{host\}/);
    assert.match(urlTemplateProblem('http://evil。example/')!, /ASCII/);
    assert.match(urlTemplateProblem('http://{host}:{label}/')!, /port/);
    assert.equal(urlTemplateProblem(DEFAULT_SETTINGS.clientUrlTemplate), undefined);
    assert.equal(urlTemplateProblem(DEFAULT_SETTINGS.webViewerUrlTemplate), undefined);
  });

  test('the error message shows the template and an example of a good one', () => {
    const r = buildClientUrl('javascript:alert(1)', values(), CLIENT);
    assert.ok(!r.ok && r.message.includes('"javascript:alert(1)"') && r.message.includes(DEFAULT_SETTINGS.clientUrlTemplate), JSON.stringify(r));
    const v = buildClientUrl('file:///x', values(), VIEWER);
    assert.ok(!v.ok && v.message.includes(DEFAULT_SETTINGS.webViewerUrlTemplate), JSON.stringify(v));
    const huge = buildClientUrl(`javascript:${'a'.repeat(100_000)}`, values(), CLIENT);
    assert.ok(!huge.ok && huge.message.length < 1000, 'a huge template is shown shortened');
  });
});

describe('buildClientUrl: values cannot change the scheme, host, user info or port', () => {
  const hostileHosts = [
    '127.0.0.1@evil.example',
    'evil.example#',
    'evil.example?',
    'evil.example/',
    '127.0.0.1/../',
    '127.0.0.1\\evil.example',
    '127.0.0.1\r\nHost: evil.example',
    '127.0.0.1\n',
    '127.0.0.1 evil.example',
    ' 127.0.0.1',
    '127.0.0.1:9999',
    '127.0.0.1:{httpPort}',
    'user:pw@127.0.0.1',
    'evil。example',
    'ｅｖｉｌ.example',
    '127.0.0.1%2f',
    '127.0.0.1\u0000',
    '::1',
    '[::1]:80',
    '[::1]@evil.example',
    '[fe80::1%25eth0]',
    '[::1',
    '999.1.1.1',
    '-evil',
    '.evil',
    '',
    '{host}',
    'javascript:alert(1)',
  ];
  for (const host of hostileHosts) {
    test(`isaacSim.host ${JSON.stringify(host)}`, () => {
      for (const template of [DEFAULT_SETTINGS.clientUrlTemplate, 'https://{host}/', 'http://{host}:8211/']) {
        assertRefused(buildClientUrl(template, values({ host }), CLIENT), 'isaacSim.host', `${template} with host ${host}`);
      }
    });
  }

  test('a hostile host value is refused even when the template only uses it after the host', () => {
    // Only in the query: it is data there, so it is encoded rather than refused.
    const url = okUrl(buildClientUrl('http://sim.lab/?server={host}', values({ host: '127.0.0.1@evil.example#x' }), CLIENT));
    assert.equal(url.origin, 'http://sim.lab');
    assert.equal(url.searchParams.get('server'), '127.0.0.1@evil.example#x');
    assert.equal(url.hash, '');
  });

  test('values after the host are percent-encoded and stay inside their component', () => {
    const label = '../../@evil.example/#?x=1&y=%2e\\ \r\n"<>';
    const url = okUrl(buildClientUrl('http://{host}:{httpPort}/sim/{label}/?l={label}#{label}', values({ label }), CLIENT));
    assert.equal(url.origin, 'http://127.0.0.1:8211');
    assert.equal(url.pathname, `/sim/${encodeURIComponent(label)}/`);
    assert.equal(url.searchParams.get('l'), label);
    assert.deepEqual([...url.searchParams.keys()], ['l']);
    assert.equal(decodeURIComponent(url.hash.slice(1)), label);
  });

  test('port values must be whole ports; the error names the port base setting', () => {
    for (const bad of [0, -1, 65536, 8211.5, Number.NaN, Number.POSITIVE_INFINITY, '8211' as unknown as number, '80@evil.example' as unknown as number]) {
      assertRefused(buildClientUrl('http://{host}:{httpPort}/', values({ httpPort: bad }), CLIENT), 'isaacSim.httpPortBase', String(bad));
      assertRefused(buildClientUrl('http://{host}:{webViewerPort}/', values({ webViewerPort: bad }), VIEWER), 'isaacSim.webViewerPortBase', String(bad));
    }
  });

  test('a lone surrogate in a value is an error, not an exception', () => {
    assertRefused(buildClientUrl('http://{host}/{label}', values({ label: 'a\ud800b' }), CLIENT), CLIENT, 'lone surrogate');
  });
});
