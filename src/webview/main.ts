/**
 * The sim view's browser program.
 *
 * Design note: the simulator's stream admits ONE viewer, and newer Isaac Sim quits ~30 s after its session
 * ends, so loading the web client is an action with consequences. This program therefore loads the iframe
 * only (1) the first time the instance is ready with a URL, (2) once more for each new run of the container
 * (`runId`) that becomes ready, and (3) when the user presses Reload. State messages otherwise only update
 * the badge and the overlay; the overlay covers a stale iframe without unloading it. The panel is created
 * with `retainContextWhenHidden`, so switching tabs never reaches this program at all.
 */
// Individual component modules (not the package's main entry) keep the bundle small.
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import '@vscode-elements/elements/dist/vscode-toolbar-button/index.js';
import type { InstanceStateKind } from '../instances/model';
import type { HostMessage, SimViewState, SimViewStrings, ViewMessage } from './messages';

interface VsCodeApi {
  postMessage(message: ViewMessage): void;
  setState(state: SimViewState): void;
  getState(): SimViewState | undefined;
}

declare function acquireVsCodeApi(): VsCodeApi;

const STATE_KINDS: readonly InstanceStateKind[] = ['stopped', 'starting', 'loading', 'ready', 'stopping', 'failed'];

const HOST_MESSAGE_KEYS: ReadonlySet<string> = new Set<keyof HostMessage>(['type', 'index', 'host', 'label', 'state', 'stateText', 'url', 'runId', 'note']);

/**
 * Messages arrive through `window`, where other frames can post too: check the shape exactly (no missing,
 * extra or inherited keys), never trust it. Hand-written rather than zod to keep the bundle small.
 */
function isHostMessage(data: unknown): data is HostMessage {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false;
  const keys = Object.keys(data);
  if (keys.length !== HOST_MESSAGE_KEYS.size || !keys.every((key) => HOST_MESSAGE_KEYS.has(key))) return false;
  const m = data as Record<string, unknown>;
  return (
    m.type === 'state' &&
    typeof m.index === 'number' &&
    Number.isInteger(m.index) &&
    typeof m.host === 'string' &&
    typeof m.label === 'string' &&
    typeof m.state === 'string' &&
    (STATE_KINDS as readonly string[]).includes(m.state) &&
    typeof m.stateText === 'string' &&
    typeof m.url === 'string' &&
    (m.url === '' || /^https?:\/\//i.test(m.url)) &&
    typeof m.runId === 'string' &&
    typeof m.note === 'string'
  );
}

/** The texts the extension localised (the root's data-strings): all there and all strings, else the page refuses to run. */
function isStrings(data: unknown): data is SimViewStrings {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false;
  const s = data as Record<string, unknown>;
  const titles = s.overlayTitles as Record<string, unknown> | null | undefined;
  return typeof s.noClientUrl === 'string' && typeof s.frameTitle === 'string' && typeof titles === 'object' && titles !== null && STATE_KINDS.every((k) => typeof titles[k] === 'string');
}

function element<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`Sim view: element #${id} is missing`);
  return found as T;
}

const root = element('root');
const label = element('label');
const badge = element('state-badge');
const reloadButton = element('reload');
const openButton = element('open-external');
const copyButton = element('copy-url');
const frameHost = element('frame-host');
const overlay = element('overlay');
const spinner = element('spinner');
const overlayTitle = element('overlay-title');
const overlayDetail = element('overlay-detail');
const mediaNote = element('media-note');

const parsedInitial: unknown = JSON.parse(root.dataset.state ?? 'null');
if (!isHostMessage(parsedInitial)) throw new Error('Sim view: the initial state is missing or malformed');
let current: HostMessage = parsedInitial;
const parsedStrings: unknown = JSON.parse(root.dataset.strings ?? 'null');
if (!isStrings(parsedStrings)) throw new Error('Sim view: the texts are missing or malformed');
const strings: SimViewStrings = parsedStrings;

const vscode = acquireVsCodeApi();
vscode.setState({ index: current.index, host: current.host });

let frame: HTMLIFrameElement | undefined;
/** What the iframe currently shows: the URL and the container run it was loaded for. */
let loaded: { url: string; runId: string } | undefined;

/**
 * (Re)creates the iframe. A fresh element, rather than reassigning `src`, always reloads: setting the same
 * `src` on a URL with a #fragment would only scroll.
 */
function loadFrame(url: string, runId: string): void {
  const next = document.createElement('iframe');
  next.className = 'sim-frame';
  next.title = strings.frameTitle.replace('{0}', current.label);
  // The WebRTC client plays its stream without a click (autoplay), may go fullscreen, and copies text in
  // and out. VS Code grants its webview frame autoplay, clipboard and local-network-access; a permission
  // the webview lacks (fullscreen in some hosts) is simply not granted, which is harmless.
  next.allow = 'autoplay; fullscreen; clipboard-read; clipboard-write; local-network-access';
  // The client needs scripts, forms and pointer lock (camera navigation), and normally its own origin
  // (cookies/storage, fetches to its server). allow-scripts + allow-same-origin is only safe while the frame
  // is cross-origin to this page, as in desktop VS Code. Under code-server, asExternalUri routes the client
  // through the server's /proxy/PORT/ path: the same origin as the workbench, where allow-same-origin would
  // let the simulator's page script the whole editor. Then the frame gets an opaque origin instead.
  // No popups, top navigation or downloads in either case.
  const sameOriginAsWorkbench = new URL(url, location.href).origin === location.origin;
  next.sandbox.add('allow-scripts', 'allow-forms', 'allow-pointer-lock');
  if (!sameOriginAsWorkbench) next.sandbox.add('allow-same-origin');
  next.referrerPolicy = 'no-referrer';
  next.src = url;
  frameHost.replaceChildren(next);
  frame = next;
  loaded = { url, runId };
}

function render(message: HostMessage): void {
  label.textContent = message.label;
  badge.textContent = message.stateText;
  badge.dataset.kind = message.state;

  const showing = frame !== undefined && message.state === 'ready';
  overlay.hidden = showing;
  if (frame) frame.inert = !showing;
  const noUrl = message.state === 'ready' && !message.url;
  spinner.hidden = noUrl || !['starting', 'loading', 'stopping', 'ready'].includes(message.state);
  overlayTitle.textContent = noUrl ? strings.noClientUrl : strings.overlayTitles[message.state];
  overlayDetail.textContent = message.stateText;
  mediaNote.textContent = message.note;
  mediaNote.hidden = message.note === '';

  setEnabled(reloadButton, frame !== undefined);
  setEnabled(openButton, message.url !== '');
  setEnabled(copyButton, message.url !== '');
}

// `disabled` on a toolbar button only blocks the pointer (its inner <button> stays focusable), so the
// click handlers check `isEnabled` as well.
function setEnabled(button: HTMLElement, enabled: boolean): void {
  button.toggleAttribute('disabled', !enabled);
  button.setAttribute('aria-disabled', String(!enabled));
}

function isEnabled(button: HTMLElement): boolean {
  return !button.hasAttribute('disabled');
}

function apply(message: HostMessage): void {
  current = message;
  const isNewPage = !loaded || loaded.runId !== message.runId || loaded.url !== message.url;
  if (message.state === 'ready' && message.url && isNewPage) {
    loadFrame(message.url, message.runId);
  }
  render(message);
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  // The host's messages come from this page's own origin (VS Code's outer webview frame). The simulator's
  // frame is cross-origin and could post to its parent; ignore it and anything else.
  if (frame && event.source === frame.contentWindow) return;
  if (event.origin !== '' && event.origin !== window.origin) return;
  // This page shows one instance for its whole life: a state for any other is not for it.
  if (isHostMessage(event.data) && event.data.index === current.index) apply(event.data);
});

reloadButton.addEventListener('click', () => {
  if (!loaded || !isEnabled(reloadButton)) return;
  // Keep the run the frame was loaded for: if a new run is still starting, its readiness loads it again.
  loadFrame(current.url || loaded.url, loaded.runId);
  render(current);
  vscode.postMessage({ type: 'reload' });
});
openButton.addEventListener('click', () => {
  if (isEnabled(openButton)) vscode.postMessage({ type: 'openExternal' });
});
copyButton.addEventListener('click', () => {
  if (isEnabled(copyButton)) vscode.postMessage({ type: 'copyUrl' });
});

apply(current);
vscode.postMessage({ type: 'ready' });
