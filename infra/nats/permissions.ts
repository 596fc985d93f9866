/**
 * The one source of truth for who may do what on NATS: one user per agent (plus the simulated
 * venue, the operator's CLI and the CRO's system-account watcher), each with the least
 * permissions its code needs. `renderNatsConf()` turns the table into `infra/nats/nats.conf`
 * (checked in; a test keeps them equal) and `renderAuthBlock()` is what the test harness embeds in
 * a private server's config.
 *
 * Who publishes what (DESIGN.md "Agents"; contracts/registry.ts): only the CRO publishes `cro.>`,
 * only Execution `exec.>`, only the operator's CLI `ops.>`. The CRO answers `ops.command` and the
 * venue answers `venue.call` through the requester's inbox (`allow_responses`), so no agent may
 * publish to `_INBOX.>` and forge a reply. JetStream needs, for everyone: `$JS.API.*` for stream and
 * consumer management (every connection ensures the registry's streams at connect), `$JS.ACK.>`
 * for acks, and `_INBOX.>` subscriptions for PubAcks, pulled messages and replies. Agents may not
 * delete or purge streams; only the operator may. Publishing into a stream is by subject, so the
 * publish lists below are also who may write each stream.
 */

import { passwordEnvOf, SYS_PASSWORD_ENV, SYS_USER } from "./auth.ts";

export { passwordEnvOf, SYS_PASSWORD_ENV, SYS_USER };

export interface NatsUser {
  /** The user name; for agents, the agent name (connections are named `<user>.<instance>`). */
  user: string;
  account: "APP" | "SYS";
  /** The environment variable the server reads the password from (never in the file). */
  passwordEnv: string;
  publish: readonly string[];
  subscribe: readonly string[];
  /** May reply to requests it received (to the requester's inbox only, once). */
  allowResponses: boolean;
}

/** What every application connection needs for JetStream and its own heartbeats. */
const JETSTREAM_PUBLISH = [
  "$JS.API.INFO",
  "$JS.API.STREAM.INFO.*",
  "$JS.API.STREAM.CREATE.*",
  "$JS.API.STREAM.UPDATE.*",
  "$JS.API.CONSUMER.>",
  "$JS.ACK.>",
  "bus.deadletter",
];
const INBOX = "_INBOX.>";

function agent(
  name: string,
  publish: readonly string[],
  subscribe: readonly string[],
  allowResponses = false,
): NatsUser {
  return {
    user: name,
    account: "APP",
    passwordEnv: passwordEnvOf(name),
    publish: [...publish, `hb.${name}.>`, ...JETSTREAM_PUBLISH],
    // Its own heartbeats too: `predator health --agent <name>` listens with the agent's user.
    subscribe: [...subscribe, `hb.${name}.>`, INBOX],
    allowResponses,
  };
}

export const NATS_USERS: readonly NatsUser[] = [
  agent("market-data", ["md.>", "venue.call"], ["venue.market"]),
  agent("strategy", ["strategy.intent"], ["md.>", "cro.state"]),
  agent("cro", ["cro.>"], ["hb.>", "md.>", "recon.>", "portfolio.>", "ops.command"], true),
  agent("execution", ["exec.>", "venue.call"], ["cro.>", "venue.market"]),
  agent("portfolio", ["portfolio.>"], ["md.>", "cro.>", "exec.>"]),
  agent("reconciler", ["recon.>", "venue.call"], ["hb.>", "exec.>", "portfolio.>", "venue.market"]),
  agent(
    "alert",
    ["alert.>"],
    ["hb.>", "md.health", "cro.>", "exec.>", "portfolio.>", "recon.>", "bus.deadletter"],
  ),
  agent("venue-sim", ["venue.market", "venue.user"], ["venue.call"], true),
  {
    // The operator's CLI and dashboard: sees everything, commands the CRO, may manage streams.
    user: "ops",
    account: "APP",
    passwordEnv: passwordEnvOf("ops"),
    publish: ["ops.>", "hb.ops.>", "$JS.API.>", "$JS.ACK.>", "bus.deadletter"],
    subscribe: [">"],
    allowResponses: false,
  },
  {
    // The CRO's second connection: connection events of every account, nothing else.
    user: SYS_USER,
    account: "SYS",
    passwordEnv: SYS_PASSWORD_ENV,
    publish: [],
    subscribe: ["$SYS.ACCOUNT.*.CONNECT", "$SYS.ACCOUNT.*.DISCONNECT", INBOX],
    allowResponses: false,
  },
];

/** Every password variable the server config reads. */
export function passwordEnvs(): string[] {
  return NATS_USERS.map((u) => u.passwordEnv);
}

function list(items: readonly string[]): string {
  return `[${items.map((s) => JSON.stringify(s)).join(", ")}]`;
}

function userEntry(u: NatsUser): string {
  // An empty allow list would mean "no restriction": deny everything instead.
  const publish = u.publish.length === 0 ? `{ deny: [">"] }` : `{ allow: ${list(u.publish)} }`;
  const lines = [
    `      {`,
    `        user: ${JSON.stringify(u.user)}`,
    `        password: $${u.passwordEnv}`,
    `        permissions: {`,
    `          publish: ${publish}`,
    `          subscribe: { allow: ${list(u.subscribe)} }`,
    ...(u.allowResponses ? [`          allow_responses: true`] : []),
    `        }`,
    `      }`,
  ];
  return lines.join("\n");
}

function account(name: "APP" | "SYS", jetstream: boolean): string {
  const users = NATS_USERS.filter((u) => u.account === name).map(userEntry);
  return [
    `  ${name}: {`,
    ...(jetstream ? [`    jetstream: enabled`] : []),
    `    users: [`,
    users.join("\n"),
    `    ]`,
    `  }`,
  ].join("\n");
}

/** The accounts, users and permissions; passwords are `$VARIABLE`s read from the environment. */
export function renderAuthBlock(): string {
  return [
    `accounts {`,
    account("APP", true),
    account("SYS", false),
    `}`,
    `system_account: SYS`,
  ].join("\n");
}

const HEADER = `# GENERATED from infra/nats/permissions.ts by \`npx tsx infra/nats/render.ts\`: edit that file,
# not this one (test/unit/nats/permissions.test.ts checks they agree).
# NATS server for predator: JetStream on; one user per agent with least privilege in the APP
# account; the CRO also holds system-account credentials (user "sys") so it sees
# $SYS.ACCOUNT.*.DISCONNECT the moment an agent's connection drops. Every password comes from an
# environment variable of the server (PREDATOR_NATS_PASSWORD_<AGENT>, PREDATOR_NATS_SYS_PASSWORD).`;

/** The server config docker-compose mounts. */
export function renderNatsConf(): string {
  return [
    HEADER,
    `port: 4222`,
    `http_port: 8222`,
    `jetstream {`,
    `  store_dir: /data/jetstream`,
    `}`,
    renderAuthBlock(),
    ``,
  ].join("\n");
}
