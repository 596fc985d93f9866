/**
 * Lease rules of the Store port, in memory. The PostgreSQL adapter states the same rules in SQL
 * (infra/store/pg-leases.ts); the contract suite holds both to them.
 */
import type { AcquireResult, Fence, LeaseRecord } from "../../agents/runtime/store.ts";
import { assertLeaseTimes } from "./values.ts";

export class MemoryLeases {
  private readonly leases = new Map<string, LeaseRecord>();

  acquire(name: string, holder: string, nowMs: number, ttlMs: number): AcquireResult {
    assertLeaseTimes(nowMs, ttlMs);
    const current = this.leases.get(name);
    const expiresAtMs = nowMs + ttlMs;
    if (current === undefined) {
      this.leases.set(name, { name, holder, epoch: 1, expiresAtMs, updatedAt: nowMs });
      return { acquired: true, epoch: 1 };
    }
    const live = current.expiresAtMs > nowMs;
    if (current.holder !== null && current.holder !== holder && live) {
      const { epoch } = current;
      return { acquired: false, holder: current.holder, epoch, expiresAtMs: current.expiresAtMs };
    }
    // Ours and live: extend, same term. Otherwise (released, expired): a new term.
    const epoch = current.holder === holder && live ? current.epoch : current.epoch + 1;
    this.leases.set(name, { name, holder, epoch, expiresAtMs, updatedAt: nowMs });
    return { acquired: true, epoch };
  }

  renew(name: string, holder: string, epoch: number, nowMs: number, ttlMs: number): boolean {
    assertLeaseTimes(nowMs, ttlMs);
    const current = this.leases.get(name);
    if (current === undefined || current.expiresAtMs <= nowMs) return false;
    if (current.holder !== holder || current.epoch !== epoch) return false;
    this.leases.set(name, { ...current, expiresAtMs: nowMs + ttlMs, updatedAt: nowMs });
    return true;
  }

  release(name: string, holder: string, epoch: number): boolean {
    const current = this.leases.get(name);
    if (current?.holder !== holder || current.epoch !== epoch) return false;
    this.leases.set(name, { ...current, holder: null });
    return true;
  }

  get(name: string): LeaseRecord | null {
    const current = this.leases.get(name);
    return current === undefined ? null : { ...current };
  }

  holds(fence: Fence): boolean {
    const current = this.leases.get(fence.lease);
    return current?.holder === fence.holder && current.epoch === fence.epoch;
  }
}
