/**
 * The fleet: one InstanceManager per engine (isaacSim.endpoints). No `vscode` here.
 *
 * Design note
 * - One owner per piece of state: the fleet owns the list of hosts and their managers; each manager
 *   owns its engine connection and its instances, exactly as with one engine. The fleet never keeps
 *   a copy of an instance.
 * - With isaacSim.endpoints empty the fleet has one host, named "", whose manager gets the top-level
 *   settings unchanged: the extension behaves exactly as before the setting existed.
 * - Hosts are keyed by name. A changed setting updates the managers of the names that stay (a new
 *   dockerHost is the manager's own reconnect), disposes those of names that went, and makes managers
 *   for new names. A host whose settings were never valid has no manager: it shows its problems and
 *   runs nothing (a manager needs a valid Docker host to know which engine it is about).
 * - A host that goes down is its manager's business: its connection goes unreachable and retries with
 *   backoff, and the other managers never notice. The fleet only aggregates what the views show.
 * - Secrets: env is not an endpoint setting, so every manager masks the same values; the fleet's own
 *   redactor (for the extension's log) is given the same env.
 */
import * as l10n from '@vscode/l10n';
import { Emitter, type Disposable, type Event } from './events';
import { planEndpoints, type FleetPlan } from './fleetSettings';
import type { InstanceEngine } from './engineApi';
import { InstanceManager, type EngineStatus, type Manager, type ManagerOptions } from './manager';
import { Redactor } from './redact';
import { SettingsError, type SettingsProblem, type SettingsResult } from './settings';

export interface FleetHost<E extends InstanceEngine = InstanceEngine> {
  /** The endpoint's name; "" for the implicit host of the top-level settings. */
  readonly name: string;
  /** Its manager, once its settings were valid; undefined until then. */
  readonly manager: InstanceManager<E> | undefined;
  /** What is wrong with its settings now (empty when they are valid). */
  readonly problems: readonly SettingsProblem[];
}

export interface HostStatus {
  name: string;
  engine: EngineStatus['kind'] | 'invalid';
  /** The engine's version while connected. */
  version?: string;
  /** Why the host is unreachable, or what is wrong with its settings. */
  message?: string;
  ready: number;
  total: number;
}

/**
 * What the views and commands use of the fleet, with hosts' managers as `Manager` (like the views'
 * own Manager type): a fleet of any engine type (DockerEngine in the extension, a fake in tests) fits.
 */
export interface FleetView {
  readonly redactor: Redactor;
  readonly hosts: readonly { readonly name: string; readonly manager: Manager | undefined; readonly problems: readonly SettingsProblem[] }[];
  readonly multiple: boolean;
  readonly implicit: boolean;
  readonly problems: readonly SettingsProblem[];
  readonly onDidChange: Event<void>;
  readonly onDidChangeHosts: Event<void>;
  host(name: string): { readonly name: string; readonly manager: Manager | undefined; readonly problems: readonly SettingsProblem[] } | undefined;
  managers(): Manager[];
  require(name: string): Manager;
  status(name: string): HostStatus | undefined;
  connectAll(): Promise<void>;
  update(result: SettingsResult, rawEndpoints?: unknown): void;
}

interface Member<E extends InstanceEngine> {
  name: string;
  manager: InstanceManager<E> | undefined;
  problems: SettingsProblem[];
  subscription: Disposable | undefined;
}

export class Fleet<E extends InstanceEngine = InstanceEngine> implements Disposable, FleetView {
  /** Masks the same secrets as every manager (for the extension's own log). */
  readonly redactor = new Redactor();
  private members: Member<E>[] = [];
  private plan: FleetPlan = { implicit: true, endpoints: [], problems: [] };
  private readonly changed = new Emitter<void>();
  private readonly hostsChanged = new Emitter<void>();
  /** Fires when the hosts change or any host's snapshot does (each manager coalesces its own). */
  readonly onDidChange: Event<void> = this.changed.event;
  /** Fires when hosts are added or removed, or a host gets its manager. */
  readonly onDidChangeHosts: Event<void> = this.hostsChanged.event;
  private disposed = false;
  /** The engine ID each connected host claimed (claimEngine). */
  private readonly engineIds = new Map<string, string>();

  constructor(private readonly options: ManagerOptions<E>) {}

  /** The hosts, in the order of the setting. */
  get hosts(): readonly FleetHost<E>[] {
    return this.members;
  }

  /** More than one host: the views show hosts as nodes and name them in labels. */
  get multiple(): boolean {
    return this.members.length > 1;
  }

  /** True while isaacSim.endpoints is empty (one host from the top-level settings). */
  get implicit(): boolean {
    return this.plan.implicit;
  }

  /** Endpoints that could not be named, so run nowhere (each with what to fix). */
  get problems(): readonly SettingsProblem[] {
    return this.plan.problems;
  }

  /**
   * Two endpoints that reach one engine under two addresses (a context and its host, localhost and
   * 127.0.0.1, a socket and ssh:// to this machine) would both own its containers: the second to
   * connect is refused, naming the first. The claim is the first host's until it lets go of that engine
   * (a new address, a Retry, removed): two spellings of one engine fail and recover together, so no
   * retry can let both in.
   */
  private claimEngine(name: string, id: string): string | undefined {
    const holder = this.members.find((m) => m.name !== name && this.engineIds.get(m.name) === id && (m.manager?.engineStatus.kind ?? 'idle') !== 'idle');
    if (holder) {
      return l10n.t('Endpoint "{0}" reaches the same Docker engine as endpoint "{1}" (engine {2}), under another address: two endpoints on one engine would both own its containers. Remove one of them from isaacSim.endpoints.', name, holder.name, id);
    }
    this.engineIds.set(name, id);
    return undefined;
  }

  host(name: string): FleetHost<E> | undefined {
    return this.members.find((m) => m.name === name);
  }

  /** Every manager there is, in host order. */
  managers(): InstanceManager<E>[] {
    return this.members.flatMap((m) => (m.manager ? [m.manager] : []));
  }

  /** The host's manager, or a SettingsError naming what keeps it from having one. */
  require(name: string): InstanceManager<E> {
    const member = this.members.find((m) => m.name === name);
    if (!member) throw new Error(l10n.t('There is no Isaac Sim endpoint named "{0}": add it to isaacSim.endpoints, or pick one of {1}.', name, this.members.map((m) => `"${m.name}"`).join(', ')));
    if (!member.manager) throw new SettingsError(member.problems);
    return member.manager;
  }

  /** What the host node of `name` shows: reachability, engine version, ready/total. */
  status(name: string): HostStatus | undefined {
    const member = this.members.find((m) => m.name === name);
    if (!member) return undefined;
    if (!member.manager) return { name, engine: 'invalid', message: member.problems[0]?.message, ready: 0, total: 0 };
    const engine = member.manager.engineStatus;
    const list = member.manager.list();
    return {
      name,
      engine: member.problems.length > 0 ? 'invalid' : engine.kind,
      version: engine.kind === 'connected' ? engine.version : undefined,
      message: member.problems.length > 0 ? member.problems[0].message : engine.kind === 'unreachable' ? engine.message : undefined,
      ready: list.filter((s) => s.state.kind === 'ready').length,
      total: list.length,
    };
  }

  /**
   * Applies (re)validated settings. `rawEndpoints` is isaacSim.endpoints as read: with the
   * top-level settings invalid it still says which hosts there are.
   */
  update(result: SettingsResult, rawEndpoints?: unknown): void {
    if (this.disposed) return;
    if (result.ok) this.redactor.update(result.settings.env);
    this.plan = planEndpoints(result, rawEndpoints ?? (result.ok ? result.settings.endpoints : []));
    const wanted = new Map(this.plan.endpoints.map((e) => [e.name, e]));
    let hostsChanged = false;
    for (const member of this.members) {
      if (wanted.has(member.name)) continue;
      this.drop(member);
      hostsChanged = true;
    }
    const kept = new Map(this.members.filter((m) => wanted.has(m.name)).map((m) => [m.name, m]));
    const next: Member<E>[] = [];
    for (const endpoint of this.plan.endpoints) {
      let member = kept.get(endpoint.name);
      if (!member) {
        member = { name: endpoint.name, manager: undefined, problems: [], subscription: undefined };
        hostsChanged = true;
      }
      member.problems = endpoint.result.ok ? [] : endpoint.result.problems;
      // The implicit host is made at once, whatever its settings: exactly the one manager of old.
      if (!member.manager && (endpoint.result.ok || this.plan.implicit)) {
        const name = endpoint.name;
        // One engine of the top-level settings has nothing to clash with: it asks the engine for no ID.
        member.manager = new InstanceManager<E>(this.plan.implicit ? this.options : { ...this.options, claimEngine: (id) => this.claimEngine(name, id) });
        const manager = member.manager;
        member.subscription = manager.onDidChange(() => this.changed.fire());
        hostsChanged = true;
      }
      member.manager?.updateSettings(endpoint.result, endpoint.settingIds, endpoint.origin);
      next.push(member);
    }
    if (next.map((m) => m.name).join('\n') !== this.members.map((m) => m.name).join('\n')) hostsChanged = true;
    this.members = next;
    if (hostsChanged) this.hostsChanged.fire();
    this.changed.fire();
  }

  /** Connects every host (each on its own: one unreachable host rejects nothing of the others). */
  async connectAll(): Promise<void> {
    await Promise.allSettled(this.managers().map((m) => m.connect()));
  }

  dispose(): void {
    this.disposed = true;
    for (const member of this.members) this.drop(member);
    this.members = [];
    this.changed.dispose();
    this.hostsChanged.dispose();
  }

  private drop(member: Member<E>): void {
    this.engineIds.delete(member.name);
    member.subscription?.dispose();
    member.manager?.dispose();
    member.manager = undefined;
  }
}

/** The host node's description: "reachable · Docker 20.10.24 · 2/3 ready", or why it is not. */
export function describeHost(s: HostStatus): string {
  switch (s.engine) {
    case 'connected':
      return l10n.t('reachable · Docker {0} · {1}/{2} ready', s.version ?? '?', s.ready, s.total);
    case 'unreachable':
      return l10n.t('unreachable: {0}', s.message ?? l10n.t('the engine does not answer'));
    case 'invalid':
      return l10n.t('invalid settings: {0}', s.message ?? l10n.t('see the log'));
    case 'connecting':
      return 'connecting…';
    case 'idle':
      return l10n.t('not connected yet');
  }
}
