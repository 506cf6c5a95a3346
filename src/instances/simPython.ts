/**
 * "Run in Sim", the client: sends Python code to an instance's code server (the Kit extension of its
 * version, simPythonProtocol.ts) and returns the reply with the traceback mapped onto the sent file.
 * No `vscode`: the commands layer shows the result.
 *
 * Every failure is a SimPythonError with a `reason` and a message that names the fix; its `kind` is
 * one of the existing ErrorKinds (so errorInfo and the command error path need nothing new):
 *   no-server  the version has no code server the extension knows     kind 'settings', isaacSim.version
 *   not-ready  the instance is not ready (stopped, starting, failed)  kind 'other'
 *   refused    nothing listens on the port                            kind 'unreachable'
 *   timeout    no connection within the connect timeout, or no reply within the reply timeout   kind 'unreachable'
 *   auth       the 6.x server refused the token (or needs one)        kind 'settings', isaacSim.pythonServerToken
 *   too-large  4.x/5.x cannot take the code in one piece              kind 'other'
 *   protocol   the reply is not the server's JSON                     kind 'other'
 *   remote     the instance runs on another machine's engine, whose loopback we cannot reach   kind 'other'
 * A cancelled run rejects with CancelledError (kind 'cancelled'); the socket is destroyed at once.
 *
 * The token is secret: the store keeps it in memory only (store.ts codeToken), and the manager
 * registers it with the Redactor before the log line that carries it is shown.
 */
import * as l10n from '@vscode/l10n';
import net from 'node:net';
import { CancelledError, OrchestratorError, type ErrorKind } from './errors';
import type { InstanceStateKind } from './model';
import type { VersionId } from './versions';
import {
  MAX_UNFRAMED_BYTES,
  PYTHON_SERVERS,
  TOKEN_LINE_PREFIX,
  encodeRequest,
  errorLocation,
  isAuthFailure,
  mapFrames,
  parseReply,
  type CodeOrigin,
  type MappedFrame,
} from './simPythonProtocol';

export const TOKEN_SETTING = 'isaacSim.pythonServerToken';
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

export type SimPythonFailure = 'no-server' | 'not-ready' | 'refused' | 'timeout' | 'auth' | 'too-large' | 'protocol' | 'remote';

const KIND_OF: Readonly<Record<SimPythonFailure, { kind: ErrorKind; setting?: string }>> = {
  'no-server': { kind: 'settings', setting: 'isaacSim.version' },
  'not-ready': { kind: 'other' },
  refused: { kind: 'unreachable' },
  timeout: { kind: 'unreachable' },
  auth: { kind: 'settings', setting: TOKEN_SETTING },
  'too-large': { kind: 'other' },
  protocol: { kind: 'other' },
  remote: { kind: 'other' },
};

export class SimPythonError extends OrchestratorError {
  constructor(
    readonly reason: SimPythonFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, KIND_OF[reason].kind, KIND_OF[reason].setting, options);
    this.name = 'SimPythonError';
  }
}

export interface SimTarget {
  version: VersionId;
  /** The address the server is reached at (loopback for a local engine). */
  host: string;
  port: number;
  /** For messages: "isaac-sim-1". */
  label: string;
  /** The instance's state, if known; only a ready instance is sent code. */
  state?: InstanceStateKind;
  /** 6.x: the token (from the log or the setting). */
  token?: string;
}

export interface RunOptions {
  signal?: AbortSignal;
  connectTimeoutMs?: number;
  /** 0 (the default): wait for the reply as long as the code runs; Cancel ends it. */
  replyTimeoutMs?: number;
  /** Where the code came from, so the traceback's frames point into that file. */
  origin?: CodeOrigin;
}

export interface SimRunError {
  ename: string;
  evalue: string;
  /** The server's traceback text. */
  traceback: string;
  frames: MappedFrame[];
  /** The innermost frame in the sent code, mapped to its file and line. */
  location?: MappedFrame;
}

export interface SimRunResult {
  ok: boolean;
  output: string;
  /** 6.x: an expression's value (present only then). */
  result?: unknown;
  hasResult: boolean;
  error?: SimRunError;
  elapsedSeconds?: number;
}

/** Sends `code` to the target's code server and reads its reply. */
export async function runInSim(target: SimTarget, code: string, opts: RunOptions = {}): Promise<SimRunResult> {
  const profile = PYTHON_SERVERS[target.version];
  if (!profile) {
    throw new SimPythonError(
      'no-server',
      l10n.t('{0} runs a custom image, for which no Python code server is known, so code cannot be run in it. Set isaacSim.version to the Isaac Sim version of the image (4.2, 4.5-5.x or 6.x), whose code server the extension then enables.', target.label),
    );
  }
  if (target.state !== undefined && target.state !== 'ready') {
    throw new SimPythonError('not-ready', l10n.t('{0} is {1}, not ready, so its code server does not answer. Start it and wait until it is ready, then run the code again.', target.label, target.state));
  }
  const payload = encodeRequest(profile, code, target.token);
  if (profile.framing === 'chunk' && payload.length > MAX_UNFRAMED_BYTES) {
    throw new SimPythonError(
      'too-large',
      l10n.t('The code is {0} bytes; {1} runs each piece of a request as it arrives, so more than {2} bytes may run in parts. Run a smaller selection, or import the file from the instance instead.', payload.length, profile.extension, MAX_UNFRAMED_BYTES),
    );
  }
  const text = await exchange(target, payload, profile.framing === 'eof', opts);
  const reply = parseReply(text);
  const where = l10n.t('{0}\'s code server ({1} on {2}:{3})', target.label, profile.extension, target.host, target.port);
  if (typeof reply === 'string') throw new SimPythonError('protocol', l10n.t('{0} answered, but {1}. Is another program using port {2}?', where, reply, target.port));
  if (profile.auth && isAuthFailure(reply)) {
    throw new SimPythonError(
      'auth',
      target.token
        ? l10n.t('{0} refused the token. The token changes with each start when it is generated: take the new one from the instance\'s log ("{1} …") or set {2}.', where, TOKEN_LINE_PREFIX, TOKEN_SETTING)
        : l10n.t('{0} requires a token, and none is known. It is printed in the instance\'s log as "{1} …"; or set {2}.', where, TOKEN_LINE_PREFIX, TOKEN_SETTING),
    );
  }
  const hasResult = Object.prototype.hasOwnProperty.call(reply, 'result');
  const base: SimRunResult = { ok: reply.status === 'ok', output: reply.output ?? '', hasResult, ...(hasResult ? { result: reply.result } : {}), ...(reply.elapsed_seconds !== undefined ? { elapsedSeconds: reply.elapsed_seconds } : {}) };
  if (reply.status === 'ok') return base;
  const traceback = (reply.traceback ?? []).join('\n');
  const frames = mapFrames(traceback, opts.origin ?? { file: '<sent code>', firstLine: 1 }); // l10n-ignore: the pseudo file name of the sent code in tracebacks
  const location = errorLocation(frames);
  return { ...base, error: { ename: reply.ename ?? 'Error', evalue: reply.evalue ?? '', traceback, frames, ...(location ? { location } : {}) } };
}

/** One connection: connect, send, (half-close), read to the server's close. */
function exchange(target: SimTarget, payload: Buffer, halfClose: boolean, opts: RunOptions): Promise<string> {
  const where = `${target.host}:${target.port}`;
  return new Promise<string>((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new CancelledError(l10n.t('The run in {0} was cancelled before it was sent.', target.label)));
      return;
    }
    const chunks: Buffer[] = [];
    let connected = false;
    let settled = false;
    const socket = net.createConnection({ host: target.host, port: target.port, allowHalfOpen: true });
    const connectTimer = setTimeout(() => fail(new SimPythonError('timeout', l10n.t('No connection to {0}\'s code server at {1} within {2} s. Check that the instance is ready and that {3} is reachable from here.', target.label, where, (opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS) / 1000, where))), opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    let replyTimer: NodeJS.Timeout | undefined;
    const onAbort = (): void => fail(new CancelledError(l10n.t('The run in {0} was cancelled; its connection was closed (code already running in the simulator is not interrupted by that).', target.label)));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    function done(): void {
      settled = true;
      clearTimeout(connectTimer);
      if (replyTimer) clearTimeout(replyTimer);
      opts.signal?.removeEventListener('abort', onAbort);
    }
    function fail(err: Error): void {
      if (settled) return;
      done();
      socket.destroy();
      reject(err);
    }
    socket.on('connect', () => {
      connected = true;
      clearTimeout(connectTimer);
      if (opts.replyTimeoutMs) {
        replyTimer = setTimeout(() => fail(new SimPythonError('timeout', l10n.t('{0}\'s code server at {1} sent no reply within {2} s. The code may still be running in the simulator.', target.label, where, opts.replyTimeoutMs! / 1000))), opts.replyTimeoutMs);
      }
      if (halfClose) socket.end(payload);
      else socket.write(payload);
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => {
      if (settled) return;
      done();
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (!connected && err.code === 'ECONNREFUSED') {
        fail(
          new SimPythonError(
            'refused',
            l10n.t('Nothing listens on {0}, so {1}\'s code server cannot be reached: the instance is stopped or not yet ready, or it was created without the code server. Start it (again) with the code server enabled and wait until it is ready.', where, target.label),
            { cause: err },
          ),
        );
      } else if (!connected) {
        fail(new SimPythonError('refused', l10n.t('Cannot connect to {0}\'s code server at {1}: {2}.', target.label, where, err.message), { cause: err }));
      } else if (chunks.length > 0 && err.code === 'ECONNRESET') {
        // The server may reset after writing its reply; what arrived is the reply.
        if (settled) return;
        done();
        resolve(Buffer.concat(chunks).toString('utf8'));
      } else {
        fail(new SimPythonError('protocol', l10n.t('The connection to {0}\'s code server at {1} broke: {2}.', target.label, where, err.message), { cause: err }));
      }
    });
  });
}
