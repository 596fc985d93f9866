// @ts-check
import eslint from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";
import reactHooks from "eslint-plugin-react-hooks";

/** Ambient time, randomness and timers: agents and contracts must use the Clock and Rng ports. */
const ambientNondeterminism = [
  { name: "setTimeout", message: "Use the Clock port (clock.setTimer)." },
  { name: "setInterval", message: "Use the Clock port (clock.setInterval)." },
  { name: "setImmediate", message: "Use the Clock port." },
];
const ambientSyntax = [
  {
    selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
    message: "Use clock.now() (Clock port).",
  },
  {
    selector: "NewExpression[callee.name='Date'][arguments.length=0]",
    message: "Use clock.now().",
  },
  {
    selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']",
    message: "Use the Rng port.",
  },
  {
    selector: "CallExpression[callee.property.name='randomUUID']",
    message: "Use rng.uuid() (Rng port).",
  },
  {
    selector: "CallExpression[callee.object.name='console']",
    message: "Use the pino logger.",
  },
];
const portImports = {
  // The old client by its exact name: a pattern "nats" would also match ../nats/auth.ts.
  paths: [{ name: "nats", message: "Only bus/nats*.ts imports NATS." }],
  patterns: [
    { group: ["@nats-io/*"], message: "Only bus/nats*.ts imports NATS." },
    { group: ["pg", "pg-*"], message: "Only infra/store/ imports pg." },
    { group: ["@polymarket/*"], message: "Only the live venue adapter imports Polymarket." },
  ],
};

/**
 * The tree's layers (docs/architecture.md): every import points down,
 * CLI (infra/cli) → composition root (infra/app) → infra adapters → agents → bus → contracts.
 * A separate rule from the port bans above (no-restricted-imports), so the files allowed to import
 * NATS, pg or Polymarket still obey the layers. Type-only imports count too.
 */
const layer = (message, ...regexes) => [
  "error",
  { patterns: regexes.map((regex) => ({ regex, message })) },
];
export const layers = [
  {
    files: ["contracts/**/*.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": layer(
        "contracts/ is the bottom layer: it imports nothing of this repository outside contracts/.",
        "^\\.\\./",
      ),
    },
  },
  {
    files: ["bus/**/*.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": layer(
        "bus/ imports only contracts/ (layers: docs/architecture.md).",
        "^\\.\\./(?!contracts/)",
      ),
    },
  },
  {
    files: ["agents/**/*.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": layer(
        "agents/ import only agents/, bus/ and contracts/: the CLI, the composition root and the adapters are above them (docs/architecture.md).",
        "(^|/)(infra|dashboard|bench|test)/",
      ),
    },
  },
  {
    files: ["infra/**/*.{ts,tsx}"],
    ignores: ["infra/cli/**", "infra/app/**", "infra/chaos/**"],
    rules: {
      "@typescript-eslint/no-restricted-imports": layer(
        "An infra adapter does not import the composition root (infra/app) or the CLI (infra/cli).",
        "^(\\.\\./)+(infra/)?(app|cli)/",
      ),
    },
  },
  {
    // The simulator composes a fleet of its own (infra/app/embedded.ts), but is no CLI.
    files: ["infra/chaos/**/*.ts", "infra/app/**/*.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": layer(
        "Only the CLI imports infra/cli (layers: docs/architecture.md).",
        "^(\\.\\./)+(infra/)?cli/",
      ),
    },
  },
];

export default tseslint.config(
  { ignores: ["node_modules/**", "coverage/**", ".tmp/**", "dashboard/dist/**"] },
  eslint.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      "@typescript-eslint/no-extraneous-class": "off",
    },
  },
  {
    files: ["agents/**/*.ts", "contracts/**/*.ts", "bus/**/*.ts", "infra/**/*.ts"],
    rules: {
      "no-restricted-globals": ["error", ...ambientNondeterminism],
      "no-restricted-syntax": ["error", ...ambientSyntax],
      "no-restricted-imports": ["error", portImports],
    },
  },
  {
    // The adapters that are allowed to touch the real world.
    files: ["bus/clock.ts", "bus/rng.ts"],
    rules: { "no-restricted-globals": "off", "no-restricted-syntax": "off" },
  },
  ...layers,
  { files: ["bus/nats.ts", "bus/nats-*.ts"], rules: { "no-restricted-imports": "off" } },
  {
    files: ["infra/store/pg*.ts", "infra/store/migrate.ts"],
    rules: { "no-restricted-imports": "off" },
  },
  // The live venue adapter: the two files that import the Polymarket client (loaded lazily).
  {
    files: ["infra/venue-live/live-venue.ts", "infra/venue-live/live-signing.ts"],
    rules: { "no-restricted-imports": "off" },
  },
  {
    // The console and the reports' inline script run in a browser: browser globals, React hooks rules, no node globals.
    files: ["dashboard/src/**/*.{ts,tsx}", "infra/report/client/**/*.tsx"],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { "react-hooks": reactHooks },
    // The classic hook rules; the React Compiler's stricter ones do not fit data loading here.
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
    },
  },
  {
    files: ["**/*.js"],
    ...tseslint.configs.disableTypeChecked,
  },
);
