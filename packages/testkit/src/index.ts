export * from './echo/index.js';
