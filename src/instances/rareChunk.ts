/**
 * Entry of dist/rare.js (scripts/parts.mjs): what only rarer events need, in one file because one
 * packs smaller than two: a 6.x web viewer's run (webViewerPipeline.ts) and who holds a port found
 * taken (portOwner.ts). Import it only through rareModule.ts.
 *
 * The linear-time matcher is a part of its own (linearRegexChunk.ts): readiness.ts reaches it, and
 * model.ts, which this part's loader hands over, imports readiness.ts, so the one loader would close
 * an import circle.
 */
export { runViewerPipeline } from './webViewerPipeline';
export { describePortHolder } from './portOwner';
