export * from './app-chat/index.js';
export * from './echo/index.js';
export { echoPlugin } from './plugin.js';
