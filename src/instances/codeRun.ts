/**
 * "Run in Sim" for one instance of the manager: which code server to reach (the snapshot's port, on
 * loopback), with which token (the store's, read from the log), and the checks before anything is
 * sent. The wire is simPython.ts's.
 *
 * Design note — remote engines. The code server binds 127.0.0.1 inside the instance's host network
 * (4.x and 5.x run whatever they are sent, without a token), so it is reachable only on the engine's
 * own machine. For an engine elsewhere (ssh://, tcp://) this machine's 127.0.0.1:PORT is another
 * program, possibly another endpoint's instance with the same port, so the run is refused with the
 * way to reach it instead of being sent to the wrong simulator.
 */
import * as l10n from '@vscode/l10n';
import type { InstanceEngine } from './engineApi';
import type { InstanceSnapshot } from './model';
import { SimPythonError, runInSim, type RunOptions, type SimRunResult } from './simPython';
import { PYTHON_SERVER_BIND_HOST } from './simPythonProtocol';

export interface CodeRunContext {
  snapshot: InstanceSnapshot;
  /** The connected engine, or undefined when there is none. */
  engine: Pick<InstanceEngine, 'isLocal' | 'address'> | undefined;
  /** The token of the instance's current run, if known. */
  token: string | undefined;
}

/** Sends `code` to the instance's code server; rejects with a SimPythonError (or CancelledError) that names the fix. */
export async function runCodeIn(ctx: CodeRunContext, code: string, opts: RunOptions = {}): Promise<SimRunResult> {
  const s = ctx.snapshot;
  if (s.codeServer.kind === 'none') throw new SimPythonError('no-server', l10n.t('{0} has no Python code server. {1}', s.label, s.codeServer.reason));
  if (!ctx.engine) throw new SimPythonError('not-ready', l10n.t('{0} is not known to be ready: the Docker engine is not connected. Show the Isaac Sim view (or run Isaac Sim: Refresh), then run the code again.', s.label));
  if (!ctx.engine.isLocal) {
    const port = s.codeServer.port;
    throw new SimPythonError(
      'remote',
      l10n.t('{0} runs on the engine at {1}, and its code server listens on 127.0.0.1:{2} of that machine only, which cannot be reached from here. Run the code from a VS Code window on that machine (for example through Remote - SSH), where the engine is local.', s.label, ctx.engine.address, port),
    );
  }
  if (s.codeServer.token === 'missing' && s.state.kind === 'ready') {
    throw new SimPythonError(
      'auth',
      l10n.t('{0}\'s code server ({1}) requires a token, and its log has not printed one yet ("Python server authentication token: …"). Wait until the instance is ready, or set isaacSim.pythonServerToken and start the instance again.', s.label, s.codeServer.extension),
    );
  }
  return runInSim({ version: s.version, host: PYTHON_SERVER_BIND_HOST, port: s.codeServer.port, label: s.label, state: s.state.kind, ...(ctx.token ? { token: ctx.token } : {}) }, code, opts);
}
