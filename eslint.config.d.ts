// Types for eslint.config.js, so a test can import the layer rules it exports.
import type { Linter } from "eslint";

export declare const layers: Linter.Config[];
declare const config: Linter.Config[];
export default config;
