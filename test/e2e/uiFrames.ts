/**
 * Webview frames of the UI suite's workbench: the simulator's web client inside a sim view.
 */
import type { Frame, Page } from 'playwright-core';

/** The simulator's page of an HTTP port: either the direct URL or code-server's /proxy/PORT/ path. */
export function isClientFrameUrl(url: string, httpPort: number): boolean {
  if (!url.includes('/streaming/webrtc-demo/')) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.port === String(httpPort) || parsed.pathname.startsWith(`/proxy/${httpPort}/`);
}

/** The frame (two levels below the workbench) that shows the web client on `httpPort`, if any. */
export function findClientFrame(page: Page, httpPort: number): Frame | undefined {
  return page.frames().find((f) => isClientFrameUrl(f.url(), httpPort));
}

/**
 * Whether the webview that holds `frame` is shown: the workbench hides the webview (its top-level
 * iframe) of an editor that is not the active one of its group, but keeps it (and `frame`) alive.
 */
export async function webviewShown(frame: Frame): Promise<boolean> {
  let top = frame;
  for (let parent = top.parentFrame(); parent?.parentFrame(); parent = parent.parentFrame()) top = parent;
  const element = await top.frameElement();
  try {
    return await element.isVisible();
  } finally {
    await element.dispose();
  }
}

/** How deep a frame is below the page's main frame (1 = a direct child). */
export function frameDepth(frame: Frame): number {
  let depth = 0;
  for (let f = frame.parentFrame(); f; f = f.parentFrame()) depth++;
  return depth;
}
