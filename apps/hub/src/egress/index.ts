export { type AddressClass, classifyAddress } from './address.js';
export { egressFetch, egressRefusal, guardedDispatcher, guardedLookup } from './dispatcher.js';
export { EgressPolicy, EgressRefusedError, type EgressVerdict } from './policy.js';
