/**
 * Image work, builds and pulls: the part that imagesModule.ts loads on first use (the images part of dist/parts.js in
 * the production build).
 */
export { buildImage } from './build';
export { packBuildContext, readBuildContext } from './buildContext';
export { pullImage } from './pull';
export { formatBytes } from './pullProgress';
