/** Why a signature was refused; the same names as core's `VerifyFailureReason`. */
export type SignatureFailureReason = 'missing_signature' | 'bad_signature' | 'stale_timestamp';

/** Structurally a core `VerifyResult`, so adapters return it from `WebhookHandler.verify` as is. */
export type SignatureCheck = { ok: true } | { ok: false; reason: SignatureFailureReason; message: string };

export const refuse = (reason: SignatureFailureReason, message: string): SignatureCheck => ({
  ok: false,
  reason,
  message,
});
