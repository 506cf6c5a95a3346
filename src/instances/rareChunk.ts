/**
 * Entry of the rare part of dist/parts.js (scripts/parts.mjs): what only rarer events need: a 6.x web viewer's run (webViewerPipeline.ts) and who holds a port found
 * taken (portOwner.ts). Import it only through rareModule.ts.
 *
 * The linear-time matcher is a part of its own (linearRegexChunk.ts): readiness.ts reaches it, and
 * model.ts, which this part's loader hands over, imports readiness.ts, so the one loader would close
 * an import circle.
 */
export { runViewerPipeline } from './webViewerPipeline';
export { describePortHolder } from './portOwner';
