export { type AddressClass, classifyAddress } from './address.js';
export { egressFetch, egressRefusal, guardedDispatcher } from './dispatcher.js';
export { EgressPolicy, EgressRefusedError, type EgressVerdict } from './policy.js';
