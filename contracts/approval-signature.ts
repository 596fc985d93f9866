/**
 * Signed approvals: the CRO signs every `cro.decision` with an HMAC-SHA256 key that only it and
 * Execution hold (PREDATOR_APPROVAL_KEY), and Execution refuses an approval whose signature is
 * missing or wrong. NATS permissions already keep every other agent from publishing `cro.>`; the
 * signature is the second, independent defence against an approval that arrives some other way —
 * a connection with publish rights to the DECISIONS stream through a misconfiguration, a stream
 * re-pointed by someone with JetStream API access, or a hand-edited copy of a real approval. The
 * signature covers the decision id, the intent's hash (so every field of the intent), the verdict,
 * the CRO epoch and the expiry: change any of them and it no longer verifies. A verbatim replay
 * still verifies, and is refused by the existing checks (one order per intent, epoch, expiry).
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const APPROVAL_KEY_ENV = "PREDATOR_APPROVAL_KEY";
/** 32 characters: at least 128 bits of secret even for hex or base64 keys. */
export const APPROVAL_KEY_MIN_LENGTH = 32;
const SIGNATURE_PATTERN = /^[0-9a-f]{64}$/;

/** The fields of a decision the signature covers. */
export interface SignedFields {
  decisionId: string;
  intentHash: string;
  approved: boolean;
  epoch: number;
  expiresAt: number;
}

function signedText(d: SignedFields): string {
  return JSON.stringify([
    "cro.decision.v1",
    d.decisionId,
    d.intentHash,
    d.approved,
    d.epoch,
    d.expiresAt,
  ]);
}

export class ApprovalKey {
  private constructor(private readonly secret: Buffer) {}

  /** Throws when the key is too short to be a secret. */
  static fromSecret(secret: string): ApprovalKey {
    if (secret.length < APPROVAL_KEY_MIN_LENGTH) {
      throw new RangeError(
        `${APPROVAL_KEY_ENV} must be at least ${APPROVAL_KEY_MIN_LENGTH} characters (got ${secret.length})`,
      );
    }
    return new ApprovalKey(Buffer.from(secret, "utf8"));
  }

  sign(d: SignedFields): string {
    return createHmac("sha256", this.secret).update(signedText(d)).digest("hex");
  }

  /** Why `d` is not signed by this key, or null when it is. */
  problem(d: SignedFields & { signature?: string | undefined }): string | null {
    if (d.signature === undefined) return "the approval is not signed";
    if (!SIGNATURE_PATTERN.test(d.signature)) return "the signature is malformed";
    const expected = Buffer.from(this.sign(d), "hex");
    const given = Buffer.from(d.signature, "hex");
    return timingSafeEqual(expected, given)
      ? null
      : "the signature does not match (not the CRO's key)";
  }
}
