import { randomBytes, randomUUID } from "node:crypto";

/**
 * The Rng port: every random choice (ids, jitter, chaos) comes from here. `SeededRng` is a small,
 * fast PRNG (sfc32) whose whole stream is fixed by the seed; `fork(label)` derives an independent
 * stream so adding a consumer of randomness does not shift every other consumer's numbers.
 */
export interface Rng {
  /** Uniform integer in [0, 2^32). */
  nextUint32(): number;
  /** Uniform float in [0, 1). */
  float(): number;
  /** Uniform integer in [min, max] inclusive. */
  int(min: number, max: number): number;
  /** A UUID-shaped id (v4 layout). */
  uuid(): string;
  /** An independent stream derived from this one and `label`. */
  fork(label: string): Rng;
}

function hashString(s: string): number {
  // FNV-1a, 32-bit.
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const HEX1 = Array.from({ length: 16 }, (_, i) => i.toString(16));
const HEX2 = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const hex4bits = (x: number): string => HEX1[x] ?? "";
/** Four lowercase hex digits of a 16-bit value. */
const hex16 = (x: number): string => (HEX2[x >>> 8] ?? "") + (HEX2[x & 0xff] ?? "");
/** Three lowercase hex digits of a 12-bit value. */
const hex12 = (x: number): string => (HEX1[x >>> 8] ?? "") + (HEX2[x & 0xff] ?? "");

abstract class BaseRng implements Rng {
  abstract nextUint32(): number;
  abstract fork(label: string): Rng;

  float(): number {
    return this.nextUint32() / 4_294_967_296;
  }

  int(min: number, max: number): number {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) {
      throw new RangeError(`Rng.int: bad range [${min}, ${max}]`);
    }
    return min + Math.floor(this.float() * (max - min + 1));
  }

  /**
   * A version-4 UUID from four draws: the 32 hex digits of the draws, with digit 12 replaced by
   * the version (4) and digit 16 by the variant (its two low bits, with 8 added).
   */
  uuid(): string {
    const a = this.nextUint32();
    const b = this.nextUint32();
    const c = this.nextUint32();
    const d = this.nextUint32();
    return (
      hex16(a >>> 16) +
      hex16(a & 0xffff) +
      "-" +
      hex16(b >>> 16) +
      "-4" +
      hex12(b & 0xfff) +
      "-" +
      hex4bits(((c >>> 28) & 0x3) | 0x8) +
      hex12((c >>> 16) & 0xfff) +
      "-" +
      hex16(c & 0xffff) +
      hex16(d >>> 16) +
      hex16(d & 0xffff)
    );
  }
}

export class SeededRng extends BaseRng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(readonly seed: number | string) {
    super();
    const s = typeof seed === "number" ? seed >>> 0 : hashString(seed);
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = s;
    for (let i = 0; i < 15; i++) this.nextUint32();
  }

  nextUint32(): number {
    // sfc32 (Chris Doty-Humphrey's Small Fast Counter).
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) >>> 0;
    return t >>> 0;
  }

  fork(label: string): Rng {
    return new SeededRng(`${String(this.seed)}/${label}/${this.nextUint32()}`);
  }
}

/** Production randomness from the operating system. */
export class SystemRng extends BaseRng {
  nextUint32(): number {
    return randomBytes(4).readUInt32LE(0);
  }

  override uuid(): string {
    return randomUUID();
  }

  fork(_label: string): Rng {
    return this;
  }
}
