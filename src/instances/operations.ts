/**
 * The instance operations: start, stop, restart, remove, one instance or many.
 *
 * Design note
 * - Each instance has a queue: concurrent commands on one instance run one after another and each
 *   sees the engine's truth when its turn comes (an inspect follows every operation).
 * - Every queued operation has an AbortSignal. Stop, Remove and Restart abort the starts queued
 *   before them (pending, pulling, or preparing); a caller's signal (a cancelled notification)
 *   aborts its own. An aborted start stops at its next step, always before its container is
 *   created, so nothing is left half-created. Once created, a start completes, and the Stop or
 *   Remove behind it does its job on a whole container.
 * - Only containers labelled as ours are ever stopped or removed; a foreign container in our way is
 *   reported by name and left alone.
 * - With host networking a taken port only shows once the simulator fails to bind it, minutes in:
 *   every port of the instance is checked on 127.0.0.1 before anything is created.
 */
import * as l10n from '@vscode/l10n';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from '../docker/errors';
import { portProtocol, probePort } from './portProbe';
import type { ContainerInfo, InstanceEngine } from './engineApi';
import { CancelledError, ForeignContainerError, OrchestratorError, errorInfo } from './errors';
import type { StartKind } from './eta';
import type { Logger } from './logger';
import { containerNameFor, instanceLabel } from './model';
import { rareModule } from './rareModule';
import { givePlayerItsPort, preparePlayer } from './player';
import { prepareVolumes, resolveVersion, type ResolvedVersion } from './prepare';
import { StartReads } from './startReads';
import { PORT_BASE_SETTING, type SettingKey, type Settings } from './settings';
import { SPEC_HASH_LABEL, buildContainerSpec, expandHome, hostFoldersFor, layoutOf, portsFor } from './spec';
import type { InstanceStore } from './store';
import { isOurs } from './sync';
import { PORT_LABELS, VERSIONS, type VersionId } from './versions';

export type Op = 'start' | 'stop' | 'restart' | 'remove';

// One whole message per operation, so that a translation words each its own way.
function couldNot(op: Op, what: string): string {
  if (op === 'start') return l10n.t('Could not start {0}', what);
  if (op === 'stop') return l10n.t('Could not stop {0}', what);
  if (op === 'restart') return l10n.t('Could not restart {0}', what);
  return l10n.t('Could not remove {0}', what);
}
function couldNotMany(op: Op, failed: number, total: number, details: string): string {
  if (op === 'start') return l10n.t('Could not start {0} of {1} instances. {2}', failed, total, details);
  if (op === 'stop') return l10n.t('Could not stop {0} of {1} instances. {2}', failed, total, details);
  if (op === 'restart') return l10n.t('Could not restart {0} of {1} instances. {2}', failed, total, details);
  return l10n.t('Could not remove {0} of {1} instances. {2}', failed, total, details);
}
function cancelledOp(op: Op, label: string): string {
  if (op === 'start') return l10n.t('The start of {0} was cancelled; nothing of it was left half-made.', label);
  if (op === 'stop') return l10n.t('The stop of {0} was cancelled; nothing of it was left half-made.', label);
  if (op === 'restart') return l10n.t('The restart of {0} was cancelled; nothing of it was left half-made.', label);
  return l10n.t('The remove of {0} was cancelled; nothing of it was left half-made.', label);
}

export interface OperationsOptions<E extends InstanceEngine> {
  log: Logger;
  home: string;
  now: () => number;
  redact: (text: string) => string;
  /** A connected engine (connecting first). */
  engine: () => Promise<E>;
  /** The validated settings, or a SettingsError. */
  settings: () => Settings;
  /** The id of the setting that holds `key` for this host (an endpoint's own, or the top-level one), for messages. */
  settingId: (key: SettingKey) => string;
  /** After every operation: read the container and apply what it says. */
  inspectInto: (engine: E, index: number) => Promise<void>;
  /** Called when the configured image is missing before a start; without it, the start fails with a clear error. */
  ensureImage?: (engine: E, image: string, signal: AbortSignal) => Promise<void>;
  /** Something the user must know before an instance starts. */
  notice: (index: number, message: string) => void;
}

interface Queued {
  op: Op;
  controller: AbortController;
}

export class Operations<E extends InstanceEngine> {
  private readonly queues = new Map<number, Promise<unknown>>();
  private readonly queued = new Map<number, Set<Queued>>();
  private readonly reads = new StartReads();

  constructor(
    private readonly store: InstanceStore,
    private readonly options: OperationsOptions<E>,
  ) {}

  start(index: number, signal?: AbortSignal): Promise<void> {
    const settings = this.options.settings();
    return this.enqueue(index, 'start', (engine, s) => this.startIn(engine, index, settings, s), signal);
  }

  stop(index: number): Promise<void> {
    this.abortStarts(index, 'a stop');
    const timeout = this.store.lastGood.stopTimeoutSeconds;
    return this.enqueue(index, 'stop', async (engine) => {
      const info = await this.ownedOrNone(engine, index);
      if (info?.running) await engine.stop(info.id, timeout);
    });
  }

  /**
   * Restarts a running instance, or starts one that is not running. Which of the two is decided in
   * the queue, on the engine's truth at that moment: not on what we knew when the command came.
   */
  restart(index: number, signal?: AbortSignal): Promise<void> {
    if (!this.store.info(index)?.running) this.options.settings(); // fail now, with the settings' error
    this.abortStarts(index, 'a restart');
    const timeout = this.store.lastGood.stopTimeoutSeconds;
    return this.enqueue(
      index,
      'restart',
      async (engine, s) => {
        const current = await this.ownedOrNone(engine, index);
        if (current?.running) {
          await engine.restart(current.id, timeout);
          return;
        }
        await this.startIn(engine, index, this.options.settings(), s);
      },
      signal,
    );
  }

  remove(index: number): Promise<void> {
    this.abortStarts(index, 'a remove');
    const timeout = this.store.lastGood.stopTimeoutSeconds;
    return this.enqueue(index, 'remove', async (engine) => {
      const info = await this.ownedOrNone(engine, index);
      if (!info) return;
      if (info.running) await engine.stop(info.id, timeout);
      await engine.remove(info.id).catch((err: unknown) => {
        // Another session removes it at this moment: the outcome we want is already under way.
        if (err instanceof EngineError && err.kind === 'conflict' && /already in progress/i.test(err.message)) return;
        throw err;
      });
    });
  }

  /** Runs `fn` on each index at once; one error naming every instance that failed. Cancelled ones are not failures. */
  async all(indexes: number[], fn: (i: number) => Promise<void>, op: Op): Promise<void> {
    const results = await Promise.allSettled(indexes.map(fn));
    const failed = results.flatMap((r, k) => (r.status === 'rejected' && errorInfo(r.reason).kind !== 'cancelled' ? [{ index: indexes[k], reason: r.reason as unknown }] : []));
    if (failed.length === 0) return;
    const text = (f: { index: number; reason: unknown }) => `${instanceLabel(f.index)}: ${f.reason instanceof Error ? f.reason.message : String(f.reason)}`;
    const first = errorInfo(failed[0].reason);
    const message = failed.length === 1 ? couldNot(op, text(failed[0])) : couldNotMany(op, failed.length, indexes.length, failed.map(text).join(' '));
    // One kind for all of them if they agree, so the error path can still offer the right fix.
    const same = failed.every((f) => errorInfo(f.reason).kind === first.kind && errorInfo(f.reason).setting === first.setting);
    throw new OrchestratorError(message, same ? first.kind : 'other', same ? first.setting : undefined);
  }

  /** Aborts the starts (and restarts) of `index` that are queued or running. */
  abortStarts(index: number, by: string): void {
    for (const q of this.queued.get(index) ?? []) {
      if ((q.op === 'start' || q.op === 'restart') && !q.controller.signal.aborted) q.controller.abort(new CancelledError(l10n.t('The start of {0} was cancelled by {1}; nothing of it was left half-made.', instanceLabel(index), by)));
    }
  }

  /** Runs `fn` in the instance's queue, after whatever is already queued for it. */
  private enqueue(index: number, op: Op, fn: (engine: E, signal: AbortSignal) => Promise<void>, external?: AbortSignal): Promise<void> {
    const controller = new AbortController();
    const item: Queued = { op, controller };
    const onExternal = () => controller.abort(new CancelledError(cancelledOp(op, instanceLabel(index))));
    if (external?.aborted) onExternal();
    else external?.addEventListener('abort', onExternal, { once: true });
    let set = this.queued.get(index);
    if (!set) this.queued.set(index, (set = new Set()));
    set.add(item);
    this.store.apply(index, { type: 'busy', delta: 1 });
    const signal = controller.signal;
    const run = async (): Promise<void> => {
      signal.throwIfAborted();
      const engine = await this.options.engine();
      signal.throwIfAborted();
      this.store.apply(index, { type: 'op', op });
      try {
        await fn(engine, signal);
      } catch (err) {
        const cancelled = signal.aborted;
        const final = cancelled ? signal.reason : err;
        // An engine error can quote the spec (env included): no secret leaves in a message.
        if (final instanceof Error) final.message = this.options.redact(final.message);
        if (cancelled) this.store.apply(index, { type: 'opCancelled', op });
        else {
          const message = final instanceof Error ? final.message : this.options.redact(String(final));
          this.store.apply(index, { type: 'opFailed', op, message, short: shortReason(message), kind: errorInfo(final).kind });
        }
        throw final;
      } finally {
        await this.options.inspectInto(engine, index).catch(() => undefined);
      }
    };
    const previous = this.queues.get(index) ?? Promise.resolve();
    const result = previous.then(run, run);
    this.queues.set(
      index,
      result.then(
        () => undefined,
        () => undefined,
      ),
    );
    return result.finally(() => {
      set.delete(item);
      external?.removeEventListener('abort', onExternal);
      this.store.apply(index, { type: 'busy', delta: -1 });
    });
  }

  private async ownedOrNone(engine: E, index: number): Promise<ContainerInfo | undefined> {
    const info = await engine.inspect(containerNameFor(index));
    if (info && !isOurs(info)) throw new ForeignContainerError(info, index);
    return info;
  }

  /** The start itself, run in the instance's queue (by start, and by restart when nothing runs). */
  private async startIn(engine: E, index: number, settings: Settings, signal: AbortSignal): Promise<void> {
    const log = this.options.log;
    const existing = await this.ownedOrNone(engine, index);
    if (existing?.running) return;
    let image = await this.reads.imageConfig(engine, settings.image);
    if (!existing && !image) {
      if (!this.options.ensureImage) {
        throw new EngineError(
          l10n.t('Image "{0}" is not on this machine. Pull it first ("docker login nvcr.io" then "docker pull {1}"), or set isaacSim.image to an image you have. Nothing was created.', settings.image, settings.image),
          'image-missing',
          undefined,
          { setting: 'isaacSim.image' },
        );
      }
      log.info(`${instanceLabel(index)}: image ${settings.image} is missing; pulling it.`);
      await this.options.ensureImage(engine, settings.image, signal);
      image = await this.reads.imageConfig(engine, settings.image);
    }
    signal.throwIfAborted();
    const version = await resolveVersion(engine, settings, { image }, this.options.settingId);
    this.store.setDetected(settings.image, { id: version.id, source: version.source });
    const ports = portsFor(settings, version.id, index);
    const signalSetting = this.options.settingId('signalPortBase');
    const player = await preparePlayer(engine, { settings, version: version.id, image, index, signalPort: ports.signal, home: this.options.home, reads: this.reads, signalSetting });
    const spec = buildContainerSpec(settings, index, { version: version.id, image: version.image, home: this.options.home, playerFile: player.playerFile, hostSetting: this.options.settingId('host') });
    signal.throwIfAborted();
    if (existing) {
      if (existing.labels[SPEC_HASH_LABEL] === spec.Labels[SPEC_HASH_LABEL]) {
        if (engine.isLocal) await this.assertPortsFree(engine, settings, version.id, index);
        await this.recordStartup(index, settings, engine.isLocal ? await this.startKind(settings, version, false) : 'unknown');
        signal.throwIfAborted();
        await engine.start(existing.id);
        return;
      }
      log.info(`${instanceLabel(index)}: settings changed since its container was created; recreating it.`);
      await engine.remove(existing.id);
    }
    if (engine.isLocal) await this.assertPortsFree(engine, settings, version.id, index);
    let newCache = false;
    if (layoutOf({ version: version.id, image: version.image }) === 'isaac-sim') {
      const { created } = await prepareVolumes(engine, spec, index);
      newCache = created.some((name) => name.endsWith('-glcache'));
      if (created.length > 0) log.info(`${instanceLabel(index)}: made volumes ${created.join(', ')} for uid 1234.`);
    } else if (engine.isLocal) {
      await this.createHostFolders(settings, index);
    }
    await this.recordStartup(index, settings, engine.isLocal || newCache ? await this.startKind(settings, version, newCache) : 'unknown');
    signal.throwIfAborted();
    let id: string;
    try {
      id = await engine.create(spec);
    } catch (err) {
      // Name taken since we looked: another session (a second VS Code window) created it at the same
      // moment. If it is ours, start that one (a no-op when it already runs); a foreign one is named.
      if (!(err instanceof EngineError && err.kind === 'conflict')) throw err;
      const raced = await this.waitForRaced(engine, index);
      if (!raced) throw err;
      log.info(`${instanceLabel(index)}: another session created its container at the same moment; using that one.`);
      if (!raced.running) await engine.start(raced.id);
      return;
    }
    // From here the start completes: a Stop or Remove queued behind it then does its own job on a
    // whole container (an aborted start only ever stops before anything is created).
    try {
      const note = player.afterCreate ? await givePlayerItsPort(engine, id, version.id, ports.signal, instanceLabel(index), (file) => this.reads.imageFile(image?.id, file, () => engine.readFile(id, file)), signalSetting) : player.note;
      this.store.apply(index, { type: 'note', streamNote: note });
      if (note) {
        log.warn(note);
        this.options.notice(index, this.options.redact(note));
      }
      await engine.start(id);
    } catch (err) {
      // Nothing half-created: a container that cannot start is removed again.
      await engine.remove(id, true).catch((e: unknown) => log.warn(`Could not remove ${spec.name} after a failed start: ${String(e)}`));
      throw err;
    }
  }

  /** The engine reserves the name before the container can be inspected: give it a moment. */
  private async waitForRaced(engine: E, index: number): Promise<ContainerInfo | undefined> {
    let raced = await this.ownedOrNone(engine, index);
    for (let attempt = 0; !raced && attempt < 20; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      raced = await this.ownedOrNone(engine, index);
    }
    return raced;
  }

  private async recordStartup(index: number, settings: Settings, kind: StartKind): Promise<void> {
    this.store.apply(index, { type: 'startup', startup: { since: this.options.now(), kind, image: settings.image } });
  }

  private async assertPortsFree(engine: E, settings: Settings, version: VersionId, index: number): Promise<void> {
    const others = this.store.liveList().filter((s) => s.index !== index && s.startedAt !== undefined);
    const ports = portsFor(settings, version, index);
    for (const kind of VERSIONS[version].binds) {
      const port = ports[kind];
      if (port === undefined) continue;
      const protocol = portProtocol(kind);
      const probe = await probePort(port, protocol, '127.0.0.1');
      if (probe.free || probe.code !== 'EADDRINUSE') continue;
      const instance = others.find((o) => Object.values(o.ports).includes(port));
      const holder = instance ? { who: l10n.t('{0} (running)', instance.label), fix: l10n.t('stop {0}', instance.label) } : await rareModule().describePortHolder(port, protocol, (id) => engine.inspect(id));
      const setting = this.options.settingId(PORT_BASE_SETTING[kind]);
      throw new OrchestratorError(l10n.t('{0} cannot start: its {1} port {2} is already in use on 127.0.0.1 by {3}. Nothing was created: {4}, or move {5}.', instanceLabel(index), PORT_LABELS[kind], port, holder.who, holder.fix, setting), 'port-taken', setting);
    }
  }

  /**
   * A first start when the drivers' shader caches are empty: Kit will compile shaders. Root layout: the
   * host cache folders; isaac-sim layout: whether the shared GLCache volume was just made.
   */
  private async startKind(settings: Settings, version: ResolvedVersion, newCache: boolean): Promise<StartKind> {
    if (layoutOf({ version: version.id, image: version.image }) === 'isaac-sim') return newCache ? 'first' : 'cached';
    const root = expandHome(settings.hostDataRoot, this.options.home);
    for (const folder of ['cache/computecache', 'cache/glcache', 'cache/kit']) {
      const items = await readdir(path.join(root, folder)).catch(() => [] as string[]);
      if (items.length > 0) return 'cached';
    }
    return 'first';
  }

  private async createHostFolders(settings: Settings, index: number): Promise<void> {
    for (const folder of hostFoldersFor(settings, index, this.options.home)) {
      try {
        await mkdir(folder, { recursive: true });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? String(err);
        throw new OrchestratorError(
          l10n.t('Could not create the host folder "{0}" ({1}) for {2}\'s caches: set isaacSim.hostDataRoot to a folder you can write. Nothing was created.', folder, code, instanceLabel(index)),
          'settings',
          'isaacSim.hostDataRoot',
          { cause: err },
        );
      }
    }
  }
}

/** The first sentence of an error, short enough for a tree description. */
export function shortReason(message: string): string {
  const first = message.split(/(?<=[.:])\s/)[0] ?? message;
  return first.length > 120 ? `${first.slice(0, 117)}...` : first.replace(/[.:]$/, '');
}
