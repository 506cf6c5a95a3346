/**
 * Entry of dist/webViewer.js (scripts/parts.mjs): what a 6.x web viewer's run does, which a window
 * without isaacSim.webViewerBuildContext or isaacSim.webViewerImage never needs. Import it only
 * through webViewerModule.ts.
 */
export { runViewerPipeline } from './webViewerPipeline';
