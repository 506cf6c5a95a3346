/**
 * Image work, builds and pulls: the part that imagesModule.ts loads on first use (dist/images.js in
 * the production build).
 */
export { buildImage } from './build';
export { packBuildContext, readBuildContext } from './buildContext';
export { pullImage } from './pull';
export { formatBytes } from './pullProgress';
