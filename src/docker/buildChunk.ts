/** Image builds: the part that buildModule.ts loads on first use (dist/build.js in the production build). */
export { buildImage } from './build';
export { packBuildContext, readBuildContext } from './buildContext';
