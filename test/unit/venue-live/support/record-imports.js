// Registers a resolve hook that appends every resolved module URL to $IMPORT_LOG, so a test can
// see exactly which modules a process loaded (the import-isolation guard).
import { register } from "node:module";

register("./record-imports-hooks.js", import.meta.url);
