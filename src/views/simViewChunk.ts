/**
 * Entry of the simView part of dist/parts.js (scripts/parts.mjs): a sim view panel and its page, what a window with no
 * sim view open never needs. Import it only through simViewModule.ts.
 */
export { SimViewPanel, errorMessage, showNote } from './simViewPanel';
