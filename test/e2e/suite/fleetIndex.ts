/**
 * Entry point of the several-engines suite (fleet.test.ts), run by test/e2e/exthost.test.ts with two
 * endpoints in isaacSim.endpoints. Same result lines as index.ts.
 */
import path from 'node:path';
import { runMochaFiles } from './index';

export function run(): Promise<void> {
  return runMochaFiles([path.join(__dirname, 'fleet.test.js')]);
}
