/** An answer with an HTTP status and Polymarket's `{ "error": "<text>" }` body (reference §1.9). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
