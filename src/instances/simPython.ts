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
      `${target.label} runs a custom image, for which no Python code server is known, so code cannot be run in it. Set isaacSim.version to the Isaac Sim version of the image (4.2, 4.5-5.x or 6.x), whose code server the extension then enables.`,
    );
  }
  if (target.state !== undefined && target.state !== 'ready') {
    throw new SimPythonError('not-ready', `${target.label} is ${target.state}, not ready, so its code server does not answer. Start it and wait until it is ready, then run the code again.`);
  }
  const payload = encodeRequest(profile, code, target.token);
  if (profile.framing === 'chunk' && payload.length > MAX_UNFRAMED_BYTES) {
    throw new SimPythonError(
      'too-large',
      `The code is ${payload.length} bytes; ${profile.extension} runs each piece of a request as it arrives, so more than ${MAX_UNFRAMED_BYTES} bytes may run in parts. Run a smaller selection, or import the file from the instance instead.`,
    );
  }
  const text = await exchange(target, payload, profile.framing === 'eof', opts);
  const reply = parseReply(text);
  const where = `${target.label}'s code server (${profile.extension} on ${target.host}:${target.port})`;
  if (typeof reply === 'string') throw new SimPythonError('protocol', `${where} answered, but ${reply}. Is another program using port ${target.port}?`);
  if (profile.auth && isAuthFailure(reply)) {
    throw new SimPythonError(
      'auth',
      target.token
        ? `${where} refused the token. The token changes with each start when it is generated: take the new one from the instance's log ("${TOKEN_LINE_PREFIX} …") or set ${TOKEN_SETTING}.`
        : `${where} requires a token, and none is known. It is printed in the instance's log as "${TOKEN_LINE_PREFIX} …"; or set ${TOKEN_SETTING}.`,
    );
  }
  const hasResult = Object.prototype.hasOwnProperty.call(reply, 'result');
  const base: SimRunResult = { ok: reply.status === 'ok', output: reply.output ?? '', hasResult, ...(hasResult ? { result: reply.result } : {}), ...(reply.elapsed_seconds !== undefined ? { elapsedSeconds: reply.elapsed_seconds } : {}) };
  if (reply.status === 'ok') return base;
  const traceback = (reply.traceback ?? []).join('\n');
  const frames = mapFrames(traceback, opts.origin ?? { file: '<sent code>', firstLine: 1 });
  const location = errorLocation(frames);
  return { ...base, error: { ename: reply.ename ?? 'Error', evalue: reply.evalue ?? '', traceback, frames, ...(location ? { location } : {}) } };
}

/** One connection: connect, send, (half-close), read to the server's close. */
function exchange(target: SimTarget, payload: Buffer, halfClose: boolean, opts: RunOptions): Promise<string> {
  const where = `${target.host}:${target.port}`;
  return new Promise<string>((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new CancelledError(`The run in ${target.label} was cancelled before it was sent.`));
      return;
    }
    const chunks: Buffer[] = [];
    let connected = false;
    let settled = false;
    const socket = net.createConnection({ host: target.host, port: target.port, allowHalfOpen: true });
    const connectTimer = setTimeout(() => fail(new SimPythonError('timeout', `No connection to ${target.label}'s code server at ${where} within ${(opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS) / 1000} s. Check that the instance is ready and that ${where} is reachable from here.`)), opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    let replyTimer: NodeJS.Timeout | undefined;
    const onAbort = (): void => fail(new CancelledError(`The run in ${target.label} was cancelled; its connection was closed (code already running in the simulator is not interrupted by that).`));
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
        replyTimer = setTimeout(() => fail(new SimPythonError('timeout', `${target.label}'s code server at ${where} sent no reply within ${opts.replyTimeoutMs! / 1000} s. The code may still be running in the simulator.`)), opts.replyTimeoutMs);
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
            `Nothing listens on ${where}, so ${target.label}'s code server cannot be reached: the instance is stopped or not yet ready, or it was created without the code server. Start it (again) with the code server enabled and wait until it is ready.`,
            { cause: err },
          ),
        );
      } else if (!connected) {
        fail(new SimPythonError('refused', `Cannot connect to ${target.label}'s code server at ${where}: ${err.message}.`, { cause: err }));
      } else if (chunks.length > 0 && err.code === 'ECONNRESET') {
        // The server may reset after writing its reply; what arrived is the reply.
        if (settled) return;
        done();
        resolve(Buffer.concat(chunks).toString('utf8'));
      } else {
        fail(new SimPythonError('protocol', `The connection to ${target.label}'s code server at ${where} broke: ${err.message}.`, { cause: err }));
      }
    });
  });
}
