/**
 * Entry of the figures part of dist/parts.js (scripts/parts.mjs): the live figures' collector, with the stats parser
 * and nvidia-smi's. Activation never needs it: collectors are made when the instances view is first
 * shown. Import it only through figuresModule.ts.
 */
export { FiguresCollector } from './figuresCollector';
