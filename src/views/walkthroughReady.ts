/**
 * The walkthrough's ids and its one rule about a doctor report, without `vscode`, so unit tests
 * check them against package.json (test/unit/walkthrough.test.ts). walkthrough.ts sets the keys.
 */
import type { DoctorReport } from '../instances/doctorTypes';

/** package.json's publisher.name: the prefix of the walkthrough's and its steps' ids in VS Code. */
export const EXTENSION_ID = 'isaac-sim-orchestrator.isaac-sim-orchestrator';
export const WALKTHROUGH_ID = 'isaacSim.gettingStarted';
/** The steps, in order, as package.json names them. */
export const WALKTHROUGH_STEPS = ['doctor', 'toolkit', 'image', 'start', 'simView', 'runInSim'] as const;
export type WalkthroughStep = (typeof WALKTHROUGH_STEPS)[number];
/** The context keys the walkthrough's steps wait for (a unit test checks the manifest against them). */
export const WALKTHROUGH_CONTEXT = { runtimeReady: 'isaacSim.walkthrough.runtimeReady', instanceReady: 'isaacSim.walkthrough.instanceReady' } as const;

/**
 * The doctor found what Isaac Sim's containers need to run: an engine that answered, a runtime
 * check that passed and a GPU request not refused. (With isaacSim.runtime "" the runtime check
 * passes without asking the engine, so the engine's own check must pass too.)
 */
export function runtimeReady(report: DoctorReport): boolean {
  const check = (id: string) => report.checks.find((c) => c.id === id)?.ok;
  return check('engine') === true && check('runtime') === true && check('gpu') !== false;
}
