export { type AddressClass, classifyAddress } from './address.js';
export {
  egressFetch,
  egressRefusal,
  guardedConnector,
  guardedDispatcher,
  guardedLookup,
  type NameResolver,
} from './dispatcher.js';
export { EgressPolicy, EgressRefusedError, type EgressVerdict } from './policy.js';
