/**
 * What the CLI prints for its user: results on stdout, errors on stderr. This is the command's
 * answer, not logging; agents log through pino.
 */
export function print(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

export function printError(text: string): void {
  process.stderr.write(text.endsWith("\n") ? text : `${text}\n`);
}
