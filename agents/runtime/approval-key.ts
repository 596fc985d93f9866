/** The approval-signing key from the environment (contracts/approval-signature.ts). */
import { APPROVAL_KEY_ENV, ApprovalKey } from "../../contracts/approval-signature.ts";
import { ConfigError } from "./errors.ts";

/** PREDATOR_APPROVAL_KEY as a key; null when unset (approvals are then neither signed nor checked). */
export function approvalKeyFromEnv(env: Record<string, string | undefined>): ApprovalKey | null {
  const secret = env[APPROVAL_KEY_ENV];
  if (secret === undefined || secret === "") return null;
  try {
    return ApprovalKey.fromSecret(secret);
  } catch (error) {
    throw new ConfigError(APPROVAL_KEY_ENV, (error as Error).message);
  }
}
