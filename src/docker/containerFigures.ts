/**
 * The two engine calls behind the live figures of a running container, beside DockerEngine (which
 * delegates to them) to keep engine.ts short. No `vscode` here.
 *
 * - `followStats`: GET /containers/{id}/stats?stream=true, one JSON sample a second from the engine
 *   (each carries the previous CPU reading too, so one sample gives a CPU %: see stats.ts). One
 *   long request per container for as long as it is followed. When the container stops, the engine
 *   (20.10, seen here) sends no more samples but keeps the request open: the collector closes it when
 *   the instance's state leaves running, on the engine's die event.
 * - `followExec`: runs a command that keeps printing in the running container (POST
 *   /containers/{id}/exec, POST /exec/{id}/start, then GET /exec/{id}/json for the exit code once
 *   it ends): the GPU figures' `nvidia-smi --loop`, one long request per container, as for stats.
 */
import * as l10n from '@vscode/l10n';
import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { describeEngineError, type EngineLocation } from './errors';
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

/** How a followed command ended (it was not closed by the caller). */
export interface ExecEnd {
  /** Its exit code, when it ran to its end; undefined when the stream broke (then `error`). */
  exitCode?: number;
  /** What it wrote on stderr (the first 64 KB). */
  stderr: string;
  error?: Error;
}

/** Output kept of stderr: nvidia-smi's error answers are a line. */
const MAX_STDERR = 64 * 1024;

/**
 * Runs `argv` in running container `id` without a TTY and hands each line it writes on stdout to
 * `onLine` as it comes: for a command that keeps printing, such as `nvidia-smi --loop=5`. Two
 * requests to start it; `onEnd` once when it ends by itself (a third, for the exit code). `close()`
 * drops the connection without `onEnd`, but the engine keeps the command running (it has no call
 * to stop an exec): end it in the container (nvidiaSmi.ts stopLoopCommand).
 * Throws an EngineError when the engine refuses the exec (the container is not running, say).
 */
export async function followExec(docker: Docker, at: EngineLocation, id: string, argv: readonly string[], onLine: (line: string) => void, onEnd: (end: ExecEnd) => void): Promise<Closeable> {
  const what = l10n.t('run {0} in container {1}', argv[0], id);
  let exec: Docker.Exec;
  let stream: Readable;
  try {
    exec = await docker.getContainer(id).exec({ Cmd: [...argv], AttachStdout: true, AttachStderr: true, Tty: false });
    stream = (await exec.start({ hijack: true, stdin: false })) as unknown as Readable;
  } catch (err) {
    throw describeEngineError(err, what, at.address, at.settingIds);
  }
  let closed = false;
  const err: Buffer[] = [];
  let errBytes = 0;
  const lines = new Utf8Lines((line) => {
    if (!closed) onLine(line);
  });
  const frames = new FrameDemuxer((which, payload) => {
    if (which === 'stdout') lines.push(payload);
    else if (errBytes < MAX_STDERR) {
      errBytes += payload.length;
      err.push(Buffer.from(payload));
    }
  });
  const follow = followStream(stream, (chunk) => frames.push(chunk), (e) => {
    lines.flush();
    if (closed) return;
    const stderr = Buffer.concat(err).toString('utf8');
    if (e) {
      onEnd({ stderr, error: describeEngineError(e, what, at.address, at.settingIds) });
      return;
    }
    exec.inspect().then(
      (info: { ExitCode?: number | null }) => {
        if (!closed) onEnd({ ...(typeof info.ExitCode === 'number' ? { exitCode: info.ExitCode } : {}), stderr });
      },
      (ie: unknown) => {
        if (!closed) onEnd({ stderr, error: describeEngineError(ie, what, at.address, at.settingIds) });
      },
    );
  });
  return {
    close: () => {
      closed = true;
      follow.close();
      stream.destroy();
    },
  };
}
