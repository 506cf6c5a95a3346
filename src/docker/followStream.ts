/**
 * Reading a followed engine stream (a container's log, the engine's events) without holding the
 * event loop: the extension host runs every extension, so a burst of log lines must not stall it.
 * No `vscode` here.
 */
import type { Readable } from 'node:stream';
import type { Closeable } from './parse';

/**
 * Longest a followed stream keeps the event loop to itself (ms). When the engine sends faster than
 * the lines are handled, libuv hands over up to 32 socket reads in one go; the stream is paused
 * after this much work and resumed on the next turn, so timers and other I/O run in between.
 */
export const FOLLOW_SLICE_MS = 8;

export interface FollowOptions {
  /** Ms of work after which the stream is paused until the next turn (FOLLOW_SLICE_MS). */
  sliceMs?: number;
  /** The clock (ms); the unit tests drive it. */
  now?: () => number;
}

/**
 * Hands a stream's chunks to `onData` in order, none lost or repeated, at most `sliceMs` of work a
 * turn; `onEnd` once, with the error if the stream failed. `close()` stops it without `onEnd`.
 */
export function followStream(stream: Readable, onData: (chunk: Buffer) => void, onEnd: (err?: Error) => void, options: FollowOptions = {}): Closeable {
  const sliceMs = options.sliceMs ?? FOLLOW_SLICE_MS;
  const now = options.now ?? (() => performance.now());
  let ended = false;
  const finish = (err?: Error) => {
    if (ended) return;
    ended = true;
    onEnd(err);
  };
  let turnStart: number | undefined;
  let yielding = false;
  stream.on('data', (chunk: Buffer) => {
    if (turnStart === undefined) {
      turnStart = now();
      setImmediate(() => (turnStart = undefined));
    }
    onData(chunk);
    if (!yielding && now() - turnStart > sliceMs) {
      yielding = true;
      stream.pause();
      setImmediate(() => {
        yielding = false;
        if (!ended) stream.resume();
      });
    }
  });
  stream.on('end', () => finish());
  stream.on('close', () => finish());
  stream.on('error', (err: Error) => finish(err));
  return {
    close: () => {
      ended = true;
      stream.removeAllListeners('data');
      stream.on('error', () => undefined);
      (stream as Readable & { destroy?: () => void }).destroy?.();
    },
  };
}

