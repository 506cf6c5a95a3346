/**
 * The two engine calls behind the live figures of a running container, beside DockerEngine (which
 * delegates to them) to keep engine.ts short. No `vscode` here.
 *
 * - `followStats`: GET /containers/{id}/stats?stream=true, one JSON sample a second from the engine
 *   (each carries the previous CPU reading too, so one sample gives a CPU %: see stats.ts). One
 *   long request per container for as long as it is followed. When the container stops, the engine
 *   (20.10, seen here) sends no more samples but keeps the request open: the collector closes it when
 *   the instance's state leaves running, on the engine's die event.
 * - `execCapture`: runs a command in the running container (POST /containers/{id}/exec, POST
 *   /exec/{id}/start, GET /exec/{id}/json for the exit code): three requests, bounded by a timeout.
 */
import * as l10n from '@vscode/l10n';
import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { describeEngineError, EngineError, type EngineLocation } from './errors';
import { followStream } from './followStream';
import { FrameDemuxer, Utf8Lines } from './lines';
import type { Closeable } from './parse';

/** Follows `id`'s stats stream: `onSample` gets each parsed JSON sample, `onEnd` once when it ends or fails. */
export async function followStats(docker: Docker, at: EngineLocation, id: string, onSample: (sample: unknown) => void, onEnd: (err?: Error) => void): Promise<Closeable> {
  let stream: Readable;
  try {
    stream = (await docker.getContainer(id).stats({ stream: true })) as unknown as Readable;
  } catch (err) {
    throw describeEngineError(err, l10n.t('follow the stats of {0}', id), at.address, at.settingIds);
  }
  const lines = new Utf8Lines((line) => {
    if (line.trim() === '') return;
    try {
      onSample(JSON.parse(line));
    } catch {
      // Not JSON: the engine sends none such; a torn line at the stream's end is dropped.
    }
  });
  return followStream(stream, (chunk) => lines.push(chunk), onEnd);
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Output kept of each stream: nvidia-smi's answers are a few hundred bytes. */
const MAX_OUTPUT = 64 * 1024;

/**
 * Runs `argv` in running container `id` without a TTY and collects its output. Throws an
 * EngineError when the engine refuses (e.g. the executable is not in the container: the engine
 * answers the start with an error, or the exit code is 126/127), or when `timeoutMs` passes.
 */
export async function execCapture(docker: Docker, at: EngineLocation, id: string, argv: readonly string[], timeoutMs: number): Promise<ExecResult> {
  const what = l10n.t('run {0} in container {1}', argv[0], id);
  let exec: Docker.Exec;
  let stream: Readable;
  try {
    exec = await docker.getContainer(id).exec({ Cmd: [...argv], AttachStdout: true, AttachStderr: true, Tty: false });
    stream = (await exec.start({ hijack: true, stdin: false })) as unknown as Readable;
  } catch (err) {
    throw describeEngineError(err, what, at.address, at.settingIds);
  }
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const sizes = { stdout: 0, stderr: 0 };
  const frames = new FrameDemuxer((which, payload) => {
    if (sizes[which] >= MAX_OUTPUT) return;
    sizes[which] += payload.length;
    (which === 'stdout' ? out : err).push(Buffer.from(payload));
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      follow.close();
      stream.destroy();
      reject(new EngineError(l10n.t('{0} in container {1} did not answer within {2} s.', argv[0], id, Math.round(timeoutMs / 1000)), 'other'));
    }, timeoutMs);
    const follow = followStream(stream, (chunk) => frames.push(chunk), (e) => {
      clearTimeout(timer);
      if (e) reject(describeEngineError(e, what, at.address, at.settingIds));
      else resolve();
    });
  });
  let exitCode: number;
  try {
    const info = (await exec.inspect()) as { ExitCode?: number | null };
    exitCode = typeof info.ExitCode === 'number' ? info.ExitCode : -1;
  } catch (e) {
    throw describeEngineError(e, what, at.address, at.settingIds);
  }
  return { exitCode, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}
