/**
 * The engine connection: which engine, whether it answers, and its event stream.
 *
 * Design note
 * - Nothing touches the engine until `connect()` is first called.
 * - Every disconnect (a new Docker host, Retry, dispose) bumps a generation. A connect that began
 *   under an older generation must not install its engine, stream or status: it hands over to the
 *   current one, and closes whatever it opened.
 * - A lost engine is retried with backoff (250 ms doubling to 5 s); one warning per outage, the
 *   retries' repeats go to debug.
 * - The event stream resumes with `since` = the last event's time, so events of an outage are not
 *   lost; after every (re)connect the owner resyncs from a full list anyway.
 */
import * as l10n from '@vscode/l10n';
import { EngineError, TOP_LEVEL_ENGINE_SETTINGS, type EngineSettingIds } from '../docker/errors';
import type { Closeable, EngineEvent, InstanceEngine } from './engineApi';
import type { Logger } from './logger';

export type EngineStatus =
  | { kind: 'idle' }
  | { kind: 'connecting' }
  | { kind: 'connected'; version: string }
  | { kind: 'unreachable'; message: string };

export interface ConnectionOptions<E extends InstanceEngine> {
  /**
   * The engine client for a dockerHost and dockerContext (at most one of them is set), whose messages
   * name `settingIds`: the settings the two came from (the top-level ones, or an endpoint's own).
   */
  engineFor: (dockerHost: string, dockerContext: string, settingIds: EngineSettingIds) => E;
  log: Logger;
  /** The label filter of the event stream (our containers only). */
  filter: string;
  onEvent: (e: EngineEvent) => void;
  /** After the stream is open and the status is connected: the owner reads the engine's truth. */
  onConnected: (engine: E) => Promise<void>;
  /** The connection went away (host change, Retry, dispose): followers of it must close. */
  onDisconnected: () => void;
  onStatus: (status: EngineStatus) => void;
  /**
   * With several engines (fleet.ts): claims the engine's ID for this connection, or says why another
   * host holds it (the same engine under another address: both would own its containers).
   */
  claimEngine?: (engineId: string) => string | undefined;
}

export class EngineConnection<E extends InstanceEngine> {
  private engine: E | undefined;
  private events: Closeable | undefined;
  private lastEventNano: bigint | undefined;
  private connecting: Promise<void> | undefined;
  private generation = 0;
  private connectingGeneration = -1;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private backoffMs = 250;
  private disposed = false;
  private current: EngineStatus = { kind: 'idle' };

  constructor(
    private readonly options: ConnectionOptions<E>,
    private host: string,
    private context = '',
    private settingIds: EngineSettingIds = TOP_LEVEL_ENGINE_SETTINGS,
  ) {}

  get status(): EngineStatus {
    return this.current;
  }

  /** The engine client, once one was made (for diagnostics and tests). */
  get client(): E | undefined {
    return this.engine;
  }

  /** A connected engine, connecting first if needed. */
  async require(): Promise<E> {
    await this.connect();
    if (!this.engine) throw new EngineError(l10n.t('Docker engine is not connected.'), 'unreachable', undefined, { setting: this.settingIds.host });
    return this.engine;
  }

  /**
   * A new Docker host or context: a connection that exists is replaced. So is one whose settings were
   * renamed (`settingIds`: an endpoint moved in the list), as the engine's messages name them.
   */
  setHost(host: string, context = '', settingIds: EngineSettingIds = TOP_LEVEL_ENGINE_SETTINGS): void {
    const renamed = settingIds.host !== this.settingIds.host || settingIds.context !== this.settingIds.context;
    if (host === this.host && context === this.context && !renamed) return;
    const moved = host !== this.host || context !== this.context;
    this.host = host;
    this.context = context;
    this.settingIds = settingIds;
    if (!this.engine) return;
    this.options.log.info(moved ? `Docker ${context ? `context changed to "${context}"` : `host changed to "${host || 'default'}"`}; reconnecting.` : `Docker engine now set by ${context ? settingIds.context : settingIds.host}; reconnecting.`);
    this.disconnect();
    this.lastEventNano = undefined; // another engine's event times mean nothing here
    void this.connect().catch(() => undefined);
  }

  /** Connects once (idempotent); rejects with an EngineError if the engine is unreachable. */
  connect(): Promise<void> {
    if (this.disposed) return Promise.reject(new Error(l10n.t('Isaac Sim Orchestrator is shutting down.')));
    if (this.current.kind === 'connected' && this.events) return Promise.resolve();
    if (!this.connecting || this.connectingGeneration !== this.generation) {
      const attempt: Promise<void> = this.doConnect(this.generation).finally(() => {
        if (this.connecting === attempt) this.connecting = undefined;
      });
      this.connecting = attempt;
      this.connectingGeneration = this.generation;
    }
    return this.connecting;
  }

  /** Drops the connection and connects again now (the "Retry" action). */
  async reconnect(): Promise<void> {
    this.disconnect();
    await this.connect();
  }

  dispose(): void {
    this.disposed = true;
    this.disconnect();
  }

  private setStatus(status: EngineStatus): void {
    if (JSON.stringify(status) === JSON.stringify(this.current)) return;
    this.current = status;
    this.options.onStatus(status);
  }

  private disconnect(): void {
    this.generation++;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.events?.close();
    this.events = undefined;
    this.options.onDisconnected();
    this.engine = undefined;
    this.current = { kind: 'idle' };
  }

  private async doConnect(generation: number): Promise<void> {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    if (this.current.kind !== 'unreachable') this.setStatus({ kind: 'connecting' });
    const engine = (this.engine ??= this.options.engineFor(this.host, this.context, this.settingIds));
    // Disposed, or the host changed (or Retry) while this attempt waited: it is not the connection any more.
    const stale = () => this.disposed || generation !== this.generation;
    const handOver = () => (this.disposed ? undefined : this.connect());
    try {
      const { version } = await engine.version();
      if (stale()) return await handOver();
      if (this.options.claimEngine && engine.engineId) {
        const id = await engine.engineId();
        if (stale()) return await handOver();
        const taken = id === undefined ? undefined : this.options.claimEngine(id);
        if (taken) throw new EngineError(taken, 'settings', undefined, { setting: 'isaacSim.endpoints' });
      }
      const events = await engine.streamEvents(
        this.options.filter,
        this.lastEventNano,
        (e) => {
          this.lastEventNano = e.timeNano;
          this.options.onEvent(e);
        },
        (err) => this.onEventsEnded(err),
      );
      if (stale()) {
        events.close(); // leave nothing of an old connection open
        return await handOver();
      }
      this.events = events;
      this.backoffMs = 250;
      this.setStatus({ kind: 'connected', version });
      this.options.log.info(`Connected to Docker ${version} at ${engine.address}.`);
      await this.options.onConnected(engine);
    } catch (err) {
      // An old attempt's failure is not news about the current engine.
      if (stale()) return await handOver();
      const message = err instanceof Error ? err.message : String(err);
      this.events?.close();
      this.events = undefined;
      const repeated = this.current.kind === 'unreachable' && this.current.message === message;
      this.setStatus({ kind: 'unreachable', message });
      if (repeated) this.options.log.debug(`${message} (retrying in ${this.backoffMs} ms)`);
      else this.options.log.warn(message);
      this.scheduleReconnect();
      throw err;
    }
  }

  private onEventsEnded(err?: Error): void {
    if (this.disposed || !this.events) return;
    this.events = undefined;
    this.options.log.warn(`Engine event stream ended${err ? `: ${err.message}` : ''}; reconnecting.`);
    const message = l10n.t('Docker engine unreachable at {0}: the connection was lost. Reconnecting…', this.engine?.address ?? l10n.t('its socket'));
    this.setStatus({ kind: 'unreachable', message });
    void this.connect().catch(() => undefined);
  }

  private scheduleReconnect(): void {
    if (this.disposed || this.reconnectTimer) return;
    const delay = this.backoffMs;
    // 250 ms doubling to 5 s: a restarted engine is seen within 5 s, an absent one costs one
    // cheap connect attempt every 5 s (a refused unix socket, no engine work).
    this.backoffMs = Math.min(this.backoffMs * 2, 5_000);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect().catch(() => undefined);
    }, delay);
  }
}
