#!/usr/bin/env node
// The `predator` command. Registers the TypeScript loader, then runs the CLI.
import { register } from "tsx/esm/api";

register();
await import("./cli.ts");
