import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MASK, MIN_SECRET_LENGTH, Redactor } from '../../src/instances/redact';

const KEY = 'nvapi-AbCdEf0123456789_xyz-QRST';
const env = { NGC_API_KEY: KEY, GITHUB_TOKEN: 'ghp_0123456789abcdef', DB_PASSWORD: 'hunter2!', ACCEPT_EULA: 'Y', DISPLAY: ':1', MY_SECRET: 'abc' };

test('known secret values are masked wherever they appear; other env values are not', () => {
  const r = new Redactor(env);
  const text = `start failed: env NGC_API_KEY=${KEY}, token ${env.GITHUB_TOKEN} in url /x?p=${env.DB_PASSWORD}; EULA Y display :1`;
  const out = r.redact(text);
  for (const secret of [KEY, env.GITHUB_TOKEN, env.DB_PASSWORD]) assert.ok(!out.includes(secret), `${secret} leaked in ${out}`);
  assert.match(out, /EULA Y display :1/);
  assert.ok(out.includes(MASK));
});

test('a secret value also masked when URL-encoded or JSON-escaped', () => {
  const secret = 'p@ss "w/rd"&more';
  const r = new Redactor({ SERVICE_PASSWORD: secret });
  const out = r.redact(`GET /login?pw=${encodeURIComponent(secret)} body {"pw":${JSON.stringify(secret)}}`);
  assert.ok(!out.includes(encodeURIComponent(secret)), out);
  assert.ok(!out.includes(JSON.stringify(secret).slice(1, -1)), out);
});

test(`values shorter than ${MIN_SECRET_LENGTH} characters are not masked by value, but are where they are assigned`, () => {
  const r = new Redactor(env);
  assert.equal(r.redact('abc is a common word'), 'abc is a common word');
  assert.equal(r.redact('MY_SECRET=abc'), `MY_SECRET=${MASK}`);
});

test('secret-looking assignments are masked even when the value is unknown', () => {
  const r = new Redactor();
  const cases: Array<[string, string]> = [
    ['NGC_API_KEY=zzzzzz', `NGC_API_KEY=${MASK}`],
    ['export AWS_SECRET_ACCESS_KEY="qwerty123"', `export AWS_SECRET_ACCESS_KEY="${MASK}"`],
    ['--/persistent/ngc/apiKey=abcdef', `--/persistent/ngc/apiKey=${MASK}`],
    ['{"token": "t0ps3cret", "user": "me"}', `{"token": "${MASK}", "user": "me"}`],
    ['password: hunter22', `password: ${MASK}`],
    ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig', `Authorization: Bearer ${MASK}`],
    ['using key nvapi-ABCDEFGH12345678 for nvcr.io', `using key ${MASK} for nvcr.io`],
  ];
  for (const [input, expected] of cases) assert.equal(r.redact(input), expected, input);
});

test('ordinary Isaac Sim log lines pass unchanged', () => {
  const r = new Redactor(env);
  const lines = [
    '[0.412s] [Info] [omni.kit.app] argv: /isaac-sim/runheadless.webrtc.sh --/app/livestream/port=49100',
    '[ext: omni.kit.livestream.webrtc-3.2.0] startup',
    '[Info] [omni.services.transport.server.http] Serving on http://127.0.0.1:8211',
    'Isaac Sim Full Streaming App is loaded.',
    '[Warning] [omni.hub] OmniHub: Hub encountered error: service not reachable',
    '[Info] [omni.rtx] shader cache: 3/4',
  ];
  for (const line of lines) assert.equal(r.redact(line), line);
});

test('update() replaces the known values: an old secret is no longer special, a new one is', () => {
  const r = new Redactor({ A_TOKEN: 'first-secret' });
  r.update({ A_TOKEN: 'second-secret' });
  assert.equal(r.redact('first-secret second-secret'), `first-secret ${MASK}`);
});

const secretChars = fc.string({ unit: fc.constantFrom(...'abcXYZ019-_.*+?()[]{}|^$\\/@ "\'%&=:é€'.split('')), minLength: MIN_SECRET_LENGTH, maxLength: 40 });
const names = fc.constantFrom('NGC_API_KEY', 'GITHUB_TOKEN', 'CLIENT_SECRET', 'DB_PASSWORD', 'ROS_PASSWD', 'AWS_ACCESS_KEY_ID', 'API_KEY');

test('property: no known secret survives in any text it is embedded in, even next to copies of itself or the mask', () => {
  fc.assert(
    fc.property(names, secretChars, fc.array(fc.oneof(fc.string({ maxLength: 30 }), fc.constant(MASK), fc.constant('*')), { maxLength: 6 }), (name, secret, pieces) => {
      const r = new Redactor({ [name]: secret });
      const text = pieces.join(secret);
      const full = `${text}${secret}${pieces.join('')}`;
      const out = r.redact(full);
      assert.ok(!out.includes(secret), `secret ${JSON.stringify(secret)} survived in ${JSON.stringify(out)}`);
    }),
    { numRuns: 500 },
  );
});

test('property: redact never throws and is idempotent, on any input', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.string({ maxLength: 20 }), fc.string({ maxLength: 30 })), fc.string({ unit: 'binary', maxLength: 300 }), (e, text) => {
      const r = new Redactor(e);
      const once = r.redact(text);
      assert.equal(r.redact(once), once);
    }),
    { numRuns: 500 },
  );
});

test('property: text with no secret-looking word and no known value comes back unchanged', () => {
  const plain = fc.string({ unit: fc.constantFrom(...'abcdefghijlmnoquvwxyz0123456789 []:.=/-_'.split('')), maxLength: 200 });
  fc.assert(
    fc.property(plain, (text) => {
      assert.equal(new Redactor(env).redact(text), text);
    }),
    { numRuns: 500 },
  );
});

test('passwords in URLs are masked, the rest of the URL is kept', () => {
  const r = new Redactor();
  assert.equal(r.redact('pulling from https://robot:s3cretpw@registry.local:5000/v2/'), 'pulling from https://robot:***@registry.local:5000/v2/');
  assert.equal(r.redact('http://127.0.0.1:8211/streaming/webrtc-client/?server=127.0.0.1'), 'http://127.0.0.1:8211/streaming/webrtc-client/?server=127.0.0.1');
});

test('the quick check never skips a text that a layer would mask: redact equals every layer run in full', () => {
  // Texts built from the pieces each layer looks for, in any case and order, with the separators
  // around them; a quick check that missed one of them (say "Bearer" or "passwd") would differ here.
  const pieces = [
    'apiKey', 'API_KEY', 'api-key', 'apikey', 'Token', 'secret', 'PassWord', 'passwd', 'credentials', 'access_key', 'Private-Key', 'nvapi-',
    'Authorization', 'Bearer ', 'Basic ', '://', 'user:', '@host', 'http', '=', ': ', '"', "'", ' ', ',', '}', '/', '-', '_', '.',
    'abcdefghijklmnop', 'XYZ0123456789', KEY, env.GITHUB_TOKEN, 'hunter2!', 'filler 12', '[standin]',
  ];
  const r = new Redactor(env);
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 14 }), (parts) => {
      const text = parts.join('');
      assert.equal(r.redact(text), r.redactEveryLayer(text), JSON.stringify(text));
    }),
    { numRuns: 5000 },
  );
  // And the pieces do reach every layer: something is masked in most of these texts.
  const masked = ['apiKey=abcdefgh', 'Authorization: Bearer abcdefghijklmnop', 'Bearer abcdefghijklmnop0123', 'http://user:pw@host', 'nvapi-abcdefghijk'];
  for (const t of masked) assert.ok(r.redact(t).includes(MASK), t);
});
