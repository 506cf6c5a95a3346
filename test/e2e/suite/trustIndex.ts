/**
 * Entry point of the workspace-trust suite (trust.test.ts), run by test/e2e/exthost.test.ts in an
 * untrusted workspace and, as its control, in a trusted one. Same result lines as index.ts.
 */
import path from 'node:path';
import { runMochaFiles } from './index';

export function run(): Promise<void> {
  return runMochaFiles([path.join(__dirname, 'trust.test.js')]);
}
