export * from './echo/index.js';
export { echoPlugin } from './plugin.js';
