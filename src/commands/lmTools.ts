/**
 * The extension's actions as Language Model tools (issue 13, point 5), for chat agents: list the
 * instances, start one, stop one, read its log, run Python in it. package.json contributes them
 * (contributes.languageModelTools); this file registers them at activation. What they do (input
 * checks, confirmations, trust, masking: see the design note in lmToolSpecs.ts) loads from
 * the simRun part of dist/parts.js on the first call of any of them (simRunModule.ts): activation neither reads nor
 * compiles it.
 */
import * as vscode from 'vscode';
import type { FleetView } from '../instances/fleet';
import { TOOL_NAMES } from './lmToolNames';
import type { AskedConfirmation } from './lmToolSpecs';
import { simRunModule } from './simRunModule';

export type { AskedConfirmation } from './lmToolSpecs';

/** What the extension's API shows of the tools: the confirmations they asked for lately, oldest first. */
export interface LmToolsView {
  readonly asked: readonly AskedConfirmation[];
}

const KEEP_ASKED = 20;

type Tool = vscode.LanguageModelTool<unknown>;

/**
 * The tools, registered where this VS Code has the Language Model tool API (vscode.lm.registerTool);
 * elsewhere there is nothing to register and the extension works as before. It keeps the last
 * confirmations it asked for: VS Code answers a confirmation by itself while extension tests run,
 * so that is where the suite reads what a user would have been asked.
 */
export class LmTools implements vscode.Disposable, LmToolsView {
  private readonly recent: AskedConfirmation[] = [];
  private count = 0;
  private readonly registrations: vscode.Disposable[] = [];
  private tools: Map<string, Tool> | undefined;

  constructor(private readonly fleet: FleetView) {
    const lm = (vscode as { lm?: Partial<typeof vscode.lm> }).lm;
    if (typeof lm?.registerTool !== 'function') return;
    const register = lm.registerTool.bind(lm);
    for (const name of Object.values(TOOL_NAMES)) {
      // Each VS Code call goes to the tool's implementation, made on the first call of any tool.
      this.registrations.push(
        register(name, {
          prepareInvocation: (options, token) => this.tool(name).prepareInvocation?.(options, token),
          invoke: (options, token) => this.tool(name).invoke(options, token),
        }),
      );
    }
  }

  get asked(): readonly AskedConfirmation[] {
    return this.recent;
  }

  private tool(name: string): Tool {
    this.tools ??= simRunModule().lmTools(this.fleet, (c) => {
      this.recent.push({ ...c, seq: ++this.count });
      if (this.recent.length > KEEP_ASKED) this.recent.shift();
    });
    const tool = this.tools.get(name);
    if (!tool) throw new Error(vscode.l10n.t('Isaac Sim Orchestrator registered the tool {0} but has no implementation of it: reinstall the extension.', name));
    return tool;
  }

  dispose(): void {
    for (const r of this.registrations.splice(0)) r.dispose();
  }
}
