export * from './invited-phone.js';
export * from './link-identity.js';
export * from './member-identities.js';
export * from './namespaces.js';
export * from './phone.js';
export * from './provisioner.js';
export * from './provisioner-store.js';
export * from './username.js';
