/** Operating failures of the bus: named, with a stable `code` and the underlying `cause`. */
export class BusError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A request got no reply within its explicit timeout. */
export class RequestTimeoutError extends BusError {
  constructor(
    readonly subject: string,
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super("REQUEST_TIMEOUT", `request on "${subject}" timed out after ${timeoutMs} ms`, options);
  }
}

/** A request found nobody listening on its subject. */
export class NoRespondersError extends BusError {
  constructor(
    readonly subject: string,
    options?: { cause?: unknown },
  ) {
    super("NO_RESPONDERS", `no responders on "${subject}"`, options);
  }
}

/** An outgoing message failed its schema: it was dead-lettered and not sent. */
export class InvalidMessageError extends BusError {
  constructor(
    readonly subject: string,
    readonly reason: string,
  ) {
    super("INVALID_MESSAGE", `refused to publish on "${subject}": ${reason}`);
  }
}

/** The bus is closed or not connected. */
export class BusClosedError extends BusError {
  constructor(message = "bus is closed", options?: { cause?: unknown }) {
    super("BUS_CLOSED", message, options);
  }
}

/** JetStream refused or failed a durable publish. */
export class DurablePublishError extends BusError {
  constructor(subject: string, options?: { cause?: unknown }) {
    super("DURABLE_PUBLISH_FAILED", `durable publish on "${subject}" failed`, options);
  }
}
