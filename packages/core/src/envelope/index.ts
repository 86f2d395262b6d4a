export * from './events.js';
export * from './inbound.js';
export * from './outbound.js';
