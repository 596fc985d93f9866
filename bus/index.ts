export type * from "./port.ts";
export { DEAD_LETTER_SUBJECT } from "./port.ts";
export * from "./errors.ts";
export * from "./clock.ts";
export * from "./rng.ts";
export * from "./messages.ts";
export { MemoryBroker, MemoryBus } from "./memory.ts";
