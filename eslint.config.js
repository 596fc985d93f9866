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
  patterns: [
    { group: ["@nats-io/*", "nats"], message: "Only bus/nats*.ts imports NATS." },
    { group: ["pg", "pg-*"], message: "Only infra/store/ imports pg." },
    { group: ["@polymarket/*"], message: "Only the live venue adapter imports Polymarket." },
  ],
};

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
