/** The user settings every extension-host run uses: the extension pointed at the stand-in simulator. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

const REPO = path.resolve(__dirname, '../../..');

/**
 * The user settings the extension-host suite expects: the extension pointed at the stand-in simulator
 * (no NVIDIA runtime, no GPU, fast start-up steps, ports away from the real defaults and below Linux's ephemeral range) and
 * `isaacSim.dockerHost` at `<runDir>/counting-docker.sock`, the counting proxy the suite itself serves
 * in front of the real engine. Every file the extension writes stays under `runDir`.
 */
export function standinUserSettings(runDir: string): Record<string, unknown> {
  return {
    'isaacSim.image': readFileSync(path.join(REPO, 'stand-in/IMAGE'), 'utf8').split('\n')[0].trim(),
    'isaacSim.runtime': '',
    'isaacSim.gpus': 'none',
    'isaacSim.memoryLimitGiB': 2,
    'isaacSim.instanceCount': 1,
    'isaacSim.hostDataRoot': path.join(runDir, 'isaac-sim-data'),
    'isaacSim.httpPortBase': 20211,
    'isaacSim.signalPortBase': 20100,
    'isaacSim.env': { STANDIN_STEP_SECONDS: '0.05' },
    // The suite serves this socket: a counting proxy in front of the real engine.
    'isaacSim.dockerHost': `unix://${path.join(runDir, 'counting-docker.sock')}`,
  };
}
