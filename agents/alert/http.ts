/**
 * The HTTP port the Alert agent delivers through, and its adapter over Node's global fetch. This
 * file is the agent's only door to the network (as the Venue adapters are Execution's); tests
 * use the real adapter against a local receiver.
 */

export interface HttpPort {
  /** POSTs `body` as JSON; resolves with the status of any answer, rejects with HttpError. */
  post(url: string, body: unknown, options: { timeoutMs: number }): Promise<{ status: number }>;
}

/** No answer: the request timed out, or the receiver could not be reached. */
export class HttpError extends Error {
  constructor(
    readonly code: "HTTP_TIMEOUT" | "HTTP_UNREACHABLE",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "HttpError";
  }
}

function causeCode(error: unknown): string {
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (typeof cause?.code === "string") return cause.code;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Messages never include the URL: a Telegram webhook URL carries the bot token. The response body
 * is discarded unread (bounded work per delivery, whatever the receiver sends).
 */
export function fetchHttp(): HttpPort {
  return {
    async post(url, body, { timeoutMs }) {
      let response: Response;
      try {
        response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        const timedOut = error instanceof DOMException && error.name === "TimeoutError";
        if (timedOut) {
          throw new HttpError("HTTP_TIMEOUT", `no answer within ${timeoutMs} ms`, { cause: error });
        }
        throw new HttpError("HTTP_UNREACHABLE", `unreachable: ${causeCode(error)}`, {
          cause: error,
        });
      }
      await response.body?.cancel().catch(() => undefined);
      return { status: response.status };
    },
  };
}
