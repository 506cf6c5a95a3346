/**
 * The README's main command, run the way a user would, in its non-interactive smoke mode:
 * everything starts (engine check, build, .vsix, stand-in, code-server with the extension), is
 * checked, and is stopped again.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { probeTcp } from '../../src/instances/probe';

const REPO = path.resolve(__dirname, '../../..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

test('npm run demo (DEMO_SMOKE=1) starts everything, reports "demo ok" and stops it all again', async () => {
  const port = await freePort();
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn('npm', ['run', 'demo'], { cwd: REPO, env: { ...process.env, DEMO_SMOKE: '1', DEMO_PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (b: Buffer) => output.push(b.toString()));
    child.stderr.on('data', (b: Buffer) => output.push(b.toString()));
    child.on('close', resolve);
  });
  const text = output.join('');
  assert.equal(code, 0, `the demo exited with ${code}:\n${text.slice(-3000)}`);
  assert.match(text, /^demo ok$/m);
  assert.match(text, new RegExp(`http://127\\.0\\.0\\.1:${port}/`), 'it printed the URL');
  assert.equal(await probeTcp('127.0.0.1', port), false, 'code-server was stopped');
});
