export { constantTimeEqual, digestMatchesHex, hmacSha256, type SignedPart } from './hmac.js';
export {
  HUB_SIGNATURE_256_HEADER,
  signHubSignature256,
  verifyHubSignature256,
} from './hub-signature.js';
export type { SignatureCheck, SignatureFailureReason } from './result.js';
export {
  DEFAULT_MAX_CLOCK_SKEW_SECONDS,
  dotScheme,
  signCombined,
  signTimestamped,
  slackScheme,
  type TimestampedScheme,
  type TimestampedSignature,
  timestampedDigest,
  verifyCombined,
  verifyTimestamped,
} from './timestamped.js';
