/**
 * Building an image through the engine (`POST /build`, dockerode's `buildImage`). No `vscode` here.
 *
 * Design note
 * - The build runs on BuildKit (`version=2`), as `docker build` and `docker compose up --build` do
 *   today: NVIDIA's web viewer Dockerfile uses `COPY --chmod`, which the classic builder refuses
 *   ("the --chmod option requires BuildKit"). No session is needed: the context is sent as a tar.
 * - The engine streams JSON messages: `{"id": "moby.buildkit.trace", "aux": "<protobuf>"}` with the
 *   steps and their output (buildkitStatus.ts turns them into `--progress=plain` lines), `{"stream":
 *   "..."}` with other output, `{"id": "moby.image.id", "aux": {"ID": ...}}` with the result, and
 *   `{"error": ..., "errorDetail": ...}` when a step fails. Each line goes to `onLine` as it comes;
 *   the last lines are kept, so a failed build's error quotes what the build printed before it failed.
 * - Cancelling (the AbortSignal) closes the connection, which makes the engine stop the build.
 * - Errors are BuildErrors (EngineErrors of kind 'build-failed', or 'cancelled').
 */
import * as l10n from '@vscode/l10n';
import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { describeEngineError, type EngineLocation } from './errors';
import { BuildError } from './buildErrors';
import { summarizeBuildFailure } from './buildFailure';
import { BuildkitProgress } from './buildkitStatus';
import { Utf8Lines } from './lines';
import { BuildMessageSchema, type BuildMessage } from './parse';

/** How many of the build's last lines a failure quotes. */
const BUILD_TAIL_LINES = 12;

export interface BuildOptions {
  /** The tag to give the result, e.g. isaac-sim-orchestrator-web-viewer:1a2b3c4d5e6f. */
  tag: string;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  /** The network of the build's RUN steps: NVIDIA's compose builds the web viewer with `network: host`. */
  networkMode?: string;
  signal?: AbortSignal;
  /** Each line the build prints, as it comes. */
  onLine: (line: string) => void;
}


/** Runs the build of `context` (a tar stream) and resolves with the new image's ID. */
export async function buildImage(docker: Docker, at: EngineLocation, context: Readable, options: BuildOptions): Promise<string | undefined> {
  const tail: string[] = [];
  const keep = (line: string) => {
    tail.push(line);
    if (tail.length > BUILD_TAIL_LINES) tail.shift();
    options.onLine(line);
  };
  const quote = () => (tail.length > 0 ? l10n.t(' Its last lines:\n{0}', tail.join('\n')) : '');
  const cancelled = () => new BuildError(l10n.t('The build of {0} was cancelled; the engine stops it and keeps no image.', options.tag), [...tail], 'cancelled');
  if (options.signal?.aborted) throw cancelled();
  let response: NodeJS.ReadableStream;
  try {
    // Through the modem, not docker.buildImage: with version 2 that one opens a BuildKit session
    // over gRPC (for registry auth), which the context as a tar does not need (see the note above).
    response = await new Promise<NodeJS.ReadableStream>((resolve, reject) => {
      docker.modem.dial(
        {
          path: '/build?',
          method: 'POST',
          file: context,
          options: {
            t: options.tag,
            version: '2',
            buildargs: options.buildArgs,
            labels: options.labels,
            rm: true,
            forcerm: true,
            ...(options.networkMode ? { networkmode: options.networkMode } : {}),
          },
          isStream: true,
          ...(options.signal ? { abortSignal: options.signal } : {}),
          statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' }, // l10n-ignore: docker-modem's statusCodes, as dockerode writes them
        },
        (err: unknown, data: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(data as NodeJS.ReadableStream)),
      );
    });
  } catch (err) {
    if (options.signal?.aborted) throw cancelled();
    const e = describeEngineError(err, l10n.t('build {0}', options.tag), at.address, at.settingIds);
    throw new BuildError(e.message, [], e.unreachable ? 'unreachable' : 'build-failed', { cause: err });
  }
  return new Promise<string | undefined>((resolve, reject) => {
    let id: string | undefined;
    let failure: string | undefined;
    const buildkit = new BuildkitProgress(keep);
    const text = new Utf8Lines((raw) => {
      if (!raw.trim()) return;
      let message: BuildMessage;
      try {
        message = BuildMessageSchema().parse(JSON.parse(raw));
      } catch {
        keep(raw);
        return;
      }
      if (message.stream !== undefined) for (const line of message.stream.replace(/\r?\n$/, '').split(/\r?\n/)) keep(line);
      if (message.id === 'moby.buildkit.trace' && typeof message.aux === 'string') {
        try {
          buildkit.push(message.aux);
        } catch (err) {
          keep(l10n.t('(a BuildKit progress message could not be read: {0})', err instanceof Error ? err.message : String(err)));
        }
      } else if (typeof message.aux === 'object' && message.aux.ID) {
        id = message.aux.ID;
      }
      const error = message.error ?? message.errorDetail?.message;
      if (error !== undefined) failure ??= error;
    });
    const onAbort = () => {
      (response as Readable).destroy?.();
      reject(cancelled());
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    response.on('data', (chunk: Buffer) => text.push(chunk));
    response.on('error', (err: Error) => {
      options.signal?.removeEventListener('abort', onAbort);
      reject(options.signal?.aborted ? cancelled() : new BuildError(l10n.t('The build of {0} was cut off ({1}).{2}', options.tag, err.message, quote()), [...tail], 'build-failed', { cause: err }));
    });
    response.on('end', () => {
      options.signal?.removeEventListener('abort', onAbort);
      text.flush();
      if (options.signal?.aborted) reject(cancelled());
      else if (failure !== undefined) {
        const { summary, lines } = summarizeBuildFailure(failure, tail);
        reject(new BuildError(l10n.t('The build of {0} {1}{2}{3}', options.tag, summary, summary.endsWith('…') ? '' : '.', lines.length > 0 ? l10n.t(' Its last lines:\n{0}', lines.join('\n')) : ''), [...tail]));
      }
      else resolve(id);
    });
  });
}
