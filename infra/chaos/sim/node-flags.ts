/**
 * The V8 settings a simulation runs with. A simulated day allocates a few gigabytes of
 * short-lived objects (messages, envelopes, tap events, promises), and with the default 16 MB
 * young generation a long run spends a fifth of its CPU in scavenges whose cost grows with the
 * heap. A 128 MB one collects eight times less often: 3 simulated days of extreme chaos took 88 s
 * instead of 111 s (seed 1, relaxed cadence, identical event log). `predator sim` restarts itself
 * with these when they are missing, and campaign workers start with them; a flag given on the
 * command line wins.
 */
export const SIM_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=128"];

const flagName = (flag: string): string => flag.split("=")[0] ?? flag;

/** The simulator flags that `execArgv` lacks, for `command` (none unless it runs a simulation). */
export function missingSimFlags(
  command: string | undefined,
  execArgv: readonly string[],
): string[] {
  if (command !== "sim") return [];
  const given = new Set(execArgv.map(flagName));
  return SIM_NODE_FLAGS.filter((f) => !given.has(flagName(f)));
}
