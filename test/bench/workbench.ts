/**
 * The driver's side of a workbench run: the collector of the extension-host side's result lines
 * (and its questions, see ASK_PREFIX), and what the driver does in the workbench page: watch the
 * rendered tree rows, read Running Extensions, click the activity bar. Plus the latencies read from
 * the rendered rows.
 */
import { appendFileSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ASK_PREFIX, BENCH_PREFIX, INSTANCES, type EngineEventRecord } from './shared';

export type Trial = Record<string, unknown> & { index: number; action: string; before?: string; issuedAt: number; cliDoneAt: number; dataAt: number; windowEnd: number; events: EngineEventRecord[] };
export interface DomRow {
  label: string;
  desc: string;
  t: number;
}

export interface Collected {
  activations: Array<Record<string, unknown>>;
  /** Activation by a click on the activity bar (suite/click.ts). */
  clicks: Array<Record<string, unknown>>;
  /** What a scale run (suite/scale.ts) measured. */
  scale?: Record<string, unknown>;
  view?: Record<string, unknown>;
  idle?: Record<string, unknown>;
  /** Engine requests with the view hidden, after the figures stopped. */
  hidden?: Record<string, unknown>;
  trials: Trial[];
  done?: Record<string, unknown>;
  domRows: DomRow[];
}

export function newCollected(): Collected {
  return { activations: [], clicks: [], trials: [], domRows: [] };
}

/** Answers the extension-host side's questions in the workbench page (see ASK_PREFIX). */
export type Answerer = (question: string) => Promise<Record<string, unknown>>;

export function collector(into: Collected, logFile: string, answersDir: string, answer: Answerer, progress: (line: string) => void): (line: string) => void {
  return (line) => {
    appendFileSync(logFile, line + '\n');
    const askAt = line.indexOf(ASK_PREFIX);
    if (askAt >= 0) {
      const question = line.slice(askAt + ASK_PREFIX.length).trim();
      void answer(question)
        .catch((err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }))
        .then((reply) => {
          const file = path.join(answersDir, `${question}.json`);
          writeFileSync(file + '.tmp', JSON.stringify(reply));
          renameSync(file + '.tmp', file);
        });
      return;
    }
    const at = line.indexOf(BENCH_PREFIX);
    if (at < 0) return;
    let msg: Record<string, unknown> & { kind: string };
    try {
      msg = JSON.parse(line.slice(at + BENCH_PREFIX.length));
    } catch {
      return;
    }
    switch (msg.kind) {
      case 'activation':
        into.activations.push(msg);
        break;
      case 'click':
        into.clicks.push(msg);
        break;
      case 'scale':
        into.scale = msg;
        break;
      case 'view':
        into.view = msg;
        break;
      case 'hidden':
        into.hidden = msg;
        break;
      case 'idle':
        into.idle = msg;
        break;
      case 'trial':
        into.trials.push(msg as unknown as Collected['trials'][number]);
        break;
      case 'done':
        into.done = msg;
        break;
      case 'progress':
        progress(`${msg.instances ? `${String(msg.instances)} instances: ` : ''}idle ${String(msg.elapsedS)}/${String(msg.of)} s, ${String(msg.requests)} engine requests so far`);
        break;
    }
  };
}

/**
 * Watches the Isaac Sim tree's rows as rendered: every change of a row's description (and each
 * row's first appearance) goes to `__benchRowChanged` with the page's time. Installed before the
 * view is shown: a document-wide observer looks for the rows, then only their list is observed.
 */
export async function watchTreeRows(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __benchRowChanged: (label: string, desc: string, t: number) => void; __benchWatching?: boolean };
    if (w.__benchWatching) return;
    w.__benchWatching = true;
    let last: Record<string, string> = {};
    const read = (root: Element): Record<string, string> => {
      const rows: Record<string, string> = {};
      for (const row of root.querySelectorAll('.monaco-list-row')) {
        const label = (row.querySelector('.label-name')?.textContent ?? '').trim();
        if (/^instance-\d+$/.test(label)) rows[label] = (row.querySelector('.label-description')?.textContent ?? '').trim();
      }
      return rows;
    };
    const diff = (root: Element) => {
      const t = Date.now();
      const now = read(root);
      for (const [label, desc] of Object.entries(now)) if (last[label] !== desc) w.__benchRowChanged(label, desc, t);
      last = now;
    };
    const findRoot = (): Element | undefined =>
      [...document.querySelectorAll('.monaco-list-row .label-name')].find((e) => /^instance-\d+$/.test((e.textContent ?? '').trim()))?.closest('.monaco-list') ?? undefined;
    const watchRoot = (root: Element) => {
      diff(root);
      new MutationObserver(() => diff(root)).observe(root, { subtree: true, childList: true, characterData: true, attributes: true });
    };
    const root = findRoot();
    if (root) return watchRoot(root);
    const finder = new MutationObserver(() => {
      const found = findRoot();
      if (found) {
        finder.disconnect();
        watchRoot(found);
      }
    });
    finder.observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}

/** Waits (10 s at most) until every rendered instance row says ready; when that first held, and the rows. */
export async function renderedRowsReady(collected: Collected, instances = INSTANCES): Promise<Record<string, unknown>> {
  const latest = () => {
    const rows = new Map<string, { desc: string; t: number }>();
    for (const r of collected.domRows) rows.set(r.label, r);
    return rows;
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    const rows = latest();
    const all = [...Array(instances).keys()].map((i) => rows.get(`instance-${i}`));
    if (all.every((r) => r && /^ready\b/.test(r.desc))) return { at: Math.max(...all.map((r) => r!.t)), rows: [...rows].map(([l, r]) => `${l} ${r.desc}`) };
    if (Date.now() > deadline) return { at: null, rows: [...rows].map(([l, r]) => `${l} ${r.desc}`) };
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * VS Code's own activation figure for the extension: its row in the Running Extensions editor
 * (Developer: Show Running Extensions) says "Activation: N ms", code loading + the activate() call.
 */
export async function readRunningExtensions(page: Page, displayName: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const seen = await page.evaluate((displayName) => {
      const editor = document.querySelector('.runtime-extensions-editor');
      if (!editor) return { state: 'no-editor' };
      for (const row of editor.querySelectorAll('.monaco-list-row')) {
        if ((row.querySelector('.name')?.textContent ?? '').trim() === displayName) {
          return { state: 'found', text: (row.querySelector('.activation-time')?.textContent ?? '').trim() };
        }
      }
      return { state: 'not-found' };
    }, displayName);
    if (seen.state === 'found' && /\d+\s*ms/.test(seen.text ?? '')) return { text: seen.text };
    if (Date.now() > deadline) return { error: `"${displayName}" with an activation time not found in Running Extensions (${seen.state})` };
    if (seen.state === 'not-found') {
      // The list is virtual: scroll it to render the rows further down.
      const box = await page.locator('.runtime-extensions-editor .monaco-list').first().boundingBox().catch(() => null);
      if (box) {
        await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
        await page.mouse.wheel(0, 350);
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** First rendered change of the trial's row after its action, as latency from the engine's first event. */
export function domLatency(trial: Trial, rows: DomRow[]): number | undefined {
  const first = trial.events[0];
  if (!first) return undefined;
  const label = `instance-${trial.index}`;
  const hit = rows.find((r) => r.label === label && r.t >= trial.issuedAt && r.t <= trial.windowEnd && r.desc !== trial.before);
  return hit ? hit.t - first.engineAt : undefined;
}

/**
 * The same first rendered change, timed from the engine event whose news it shows: the `die` for a
 * stop (its `kill` comes first, while the container still runs; a row that showed *stopping* then
 * would show a state that does not last), the `start` for a start.
 */
export function domLatencyFromCause(trial: Trial, rows: DomRow[]): number | undefined {
  const cause = trial.events.find((e) => e.action === (trial.action === 'stop' ? 'die' : 'start'));
  const first = trial.events[0];
  const fromFirst = domLatency(trial, rows);
  if (!cause || !first || fromFirst === undefined) return undefined;
  return fromFirst - (cause.engineAt - first.engineAt);
}

/** Extension host processes under the server (code-server keeps a closed window's host for reconnection). */
export function extensionHosts(serverPid: number): number {
  let n = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      const pgid = Number(readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1]?.split(' ')[2]);
      if (pgid === serverPid && /extensionHost/.test(cmdline)) n++;
    } catch {
      // gone
    }
  }
  return n;
}


/**
 * The final state of a `docker stop` trial: when its row first showed *stopped* on screen, as latency
 * from the engine's last event of the burst (kill → die → stop) and from its `die`. Rows are looked
 * for up to the next trial's command (`until`), so a late render still counts.
 */
export function finalStopLatency(trial: Trial, rows: DomRow[], until: number): { fromLast?: number; fromDie?: number; transient: string[] } {
  const label = `instance-${trial.index}`;
  const seen = rows.filter((r) => r.label === label && r.t >= trial.issuedAt && r.t < until);
  const hit = seen.find((r) => /^stopped\b/.test(r.desc));
  const last = trial.events[trial.events.length - 1];
  const die = trial.events.find((e) => e.action === 'die');
  // The states the row showed on the way (e.g. "stopping"), for the record.
  const transient = seen.slice(0, hit ? seen.indexOf(hit) : seen.length).map((r) => r.desc.split(' ')[0]);
  return { fromLast: hit && last ? hit.t - last.engineAt : undefined, fromDie: hit && die ? hit.t - die.engineAt : undefined, transient };
}

/**
 * Clicks the Isaac Sim icon in the activity bar (as a user opens the view) and says when, with the
 * row watcher installed first so the first rendered row is seen.
 */
export async function clickView(page: Page): Promise<Record<string, unknown>> {
  const icon = page.locator('.activitybar [aria-label^="Isaac Sim"]').first();
  await icon.waitFor({ state: 'visible', timeout: 30_000 });
  await watchTreeRows(page);
  const clickAt = Date.now();
  await icon.click();
  return { clickAt, clickDoneAt: Date.now() };
}

/** The first rendered instance row at or after `since` (waits 15 s at most). */
export async function firstRenderedRow(collected: Collected, since: number): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const row = collected.domRows.find((r) => r.t >= since);
    if (row) return { at: row.t, row: `${row.label} ${row.desc}` };
    if (Date.now() > deadline) return { at: null };
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits (5 s at most) until the rendered row `label` last showed a description matching `want`. */
export async function renderedRowShows(collected: Collected, label: string, want: RegExp): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const last = collected.domRows.filter((r) => r.label === label).at(-1);
    if (last && want.test(last.desc)) return { at: last.t, desc: last.desc };
    if (Date.now() > deadline) return { at: null, desc: last?.desc };
    await new Promise((r) => setTimeout(r, 20));
  }
}
