/**
 * The Language Model tools' names, apart from the rest of them: lmTools.ts registers each name at
 * activation, and what the tools do (lmToolSpecs.ts, lmToolsFormat.ts) loads on the first call.
 */

/** The tools, by the name package.json contributes them under. */
export const TOOL_NAMES = {
  list: 'isaacSim_listInstances',
  start: 'isaacSim_startInstance',
  stop: 'isaacSim_stopInstance',
  logs: 'isaacSim_readLog',
  run: 'isaacSim_runPython',
} as const;

export type ToolName = (typeof TOOL_NAMES)[keyof typeof TOOL_NAMES];
