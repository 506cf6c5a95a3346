/**
 * Entry of the simRun part of dist/parts.js (scripts/parts.mjs): Run in Sim and the Language Model tools, what they
 * do once invoked. Import it only through simRunModule.ts.
 */
export { chooseSimTarget, runInSim } from './simRunFlow';
export { lmTools } from './lmToolSpecs';
