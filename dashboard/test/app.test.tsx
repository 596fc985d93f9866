// @vitest-environment happy-dom
/**
 * The whole app against the real routes (fake-server.ts) and a fake event socket: the token
 * prompt on 401, the kill-switch buttons and their confirmation (a reason is required), the
 * read-only view, and the "disconnected" banner while the socket is down.
 */
import "./setup.ts";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { App } from "../src/App.tsx";
import { FakeSocket, fakeServer, T0, TOKEN, VIEW } from "./fake-server.ts";

beforeEach(() => {
  FakeSocket.install();
});

/** Renders the app with `token` kept for the tab and lets the socket in. */
async function openApp(token: string, role: "operator" | "viewer" = "operator") {
  sessionStorage.setItem("predator.token", token);
  render(<App />);
  await waitFor(() => {
    expect(FakeSocket.instances).toHaveLength(1);
  });
  FakeSocket.last().accept(role);
  await screen.findByRole("status", { name: "Trading state" });
}

describe("token prompt", () => {
  it("asks for a token when there is none, and says 401 when the server refuses one", async () => {
    const server = await fakeServer();
    const user = userEvent.setup();
    render(<App />);
    expect(screen.getByText(/Enter the console token printed by/)).toBeTruthy();
    expect(screen.queryByRole("alert")).toBeNull();
    const field = screen.getByLabelText("Token");
    await user.type(field, "wrong-token-0123456789");
    await user.click(screen.getByRole("button", { name: "Open the console" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toMatch(/^The server refused this token \(401\)\./);
    expect(server.requests).toContain("/api/whoami");
    expect(FakeSocket.instances).toHaveLength(0);

    await user.type(screen.getByLabelText("Token"), TOKEN);
    await user.click(screen.getByRole("button", { name: "Open the console" }));
    await waitFor(() => {
      expect(FakeSocket.instances).toHaveLength(1);
    });
    FakeSocket.last().accept();
    await screen.findByRole("status", { name: "Trading state" });
    expect(sessionStorage.getItem("predator.token")).toBe(TOKEN);
    expect(JSON.parse(FakeSocket.last().sent[0] ?? "{}")).toMatchObject({
      type: "hello",
      token: TOKEN,
    });
  });

  it("goes back to the prompt when the socket refuses the token (4401)", async () => {
    await fakeServer();
    await openApp(TOKEN);
    FakeSocket.last().drop(4401);
    expect((await screen.findByRole("alert")).textContent).toMatch(/refused this token \(401\)/);
    expect(screen.getByLabelText("Token")).toBeTruthy();
  });
});

describe("kill switch", () => {
  it("offers every command as a named button; each opens its own confirmation", async () => {
    await fakeServer();
    const user = userEvent.setup();
    await openApp(TOKEN);
    const panel = screen.getByRole("region", { name: "Kill switch" });
    const cases: [string, string, string][] = [
      ["PAUSE", "Pause trading", "Confirm PAUSE"],
      ["FLATTEN", "Flatten", "Confirm FLATTEN"],
      ["EMERGENCY STOP", "Emergency stop", "Confirm EMERGENCY STOP"],
      ["RESUME", "Resume trading", "Confirm RESUME"],
    ];
    for (const [button, title, confirm] of cases) {
      await user.click(within(panel).getByRole("button", { name: button }));
      const dialog = await screen.findByRole("dialog", { name: title });
      expect(within(dialog).getByRole("button", { name: confirm })).toBeTruthy();
      await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
      await waitFor(() => {
        expect(screen.queryByRole("dialog")).toBeNull();
      });
    }
  });

  it("refuses to send without a reason, then sends the command with it", async () => {
    const server = await fakeServer();
    const user = userEvent.setup();
    await openApp(TOKEN);
    await user.click(screen.getByRole("button", { name: "PAUSE" }));
    const dialog = await screen.findByRole("dialog", { name: "Pause trading" });
    const confirm = within(dialog).getByRole("button", { name: "Confirm PAUSE" });
    await user.click(confirm);
    expect(within(dialog).getByRole("alert").textContent).toBe(
      "A reason is required: say why (it goes to the audit log).",
    );
    // Blank is no reason either.
    const reason = within(dialog).getByRole("textbox", { name: "Reason (required)" });
    await user.type(reason, "   ");
    await user.click(confirm);
    expect(within(dialog).getByRole("alert").textContent).toMatch(/^A reason is required/);
    expect(server.operator.sent).toEqual([]);

    await user.clear(reason);
    await user.type(reason, "feed looks wrong");
    await user.click(confirm);
    await waitFor(() => {
      expect(screen.queryByRole("dialog")).toBeNull();
    });
    expect(server.operator.sent).toEqual([
      { command: { kind: "halt", level: "pause" }, reason: "feed looks wrong" },
    ]);
  });

  it("keeps the dialog open with the CRO's refusal", async () => {
    const server = await fakeServer({ refusal: "nothing to resume" });
    const user = userEvent.setup();
    await openApp(TOKEN);
    await user.click(screen.getByRole("button", { name: "RESUME" }));
    const dialog = await screen.findByRole("dialog", { name: "Resume trading" });
    await user.type(
      within(dialog).getByRole("textbox", { name: "Reason (required)" }),
      "all clear",
    );
    await user.click(within(dialog).getByRole("button", { name: "Confirm RESUME" }));
    await waitFor(() => {
      expect(within(dialog).getByRole("alert").textContent).toBe(
        "The CRO refused: nothing to resume",
      );
    });
    expect(screen.getByRole("dialog", { name: "Resume trading" })).toBeTruthy();
    expect(server.operator.sent.map((s) => s.command)).toEqual([{ kind: "resume" }]);
  });

  it("is not offered to a view token (read-only)", async () => {
    await fakeServer();
    await openApp(VIEW, "viewer");
    expect(screen.queryByRole("region", { name: "Kill switch" })).toBeNull();
    expect(screen.queryByRole("button", { name: "PAUSE" })).toBeNull();
    expect(screen.getByRole("status", { name: "Connection" }).textContent).toBe("live · read-only");
  });
});

describe("activity feed", () => {
  it("draws live events newest first, a burst of them in one go, and each once", async () => {
    await fakeServer();
    await openApp(TOKEN);
    const socket = FakeSocket.last();
    const send = (from: number, to: number) => {
      socket.frame({
        type: "events",
        events: Array.from({ length: to - from + 1 }, (_, i) => ({
          id: from + i,
          ts: T0 + from + i,
          kind: "fill" as const,
          text: `fill number ${from + i}`,
          detail: {},
        })),
      });
    };
    const feed = screen.getByRole("list", { name: "Activity feed" });
    const top = () => within(feed).getAllByRole("listitem")[0]?.getAttribute("data-event-id");
    send(1, 150);
    await waitFor(() => {
      expect(top()).toBe("150");
    });
    send(151, 250);
    // A replayed (already seen) id is not drawn twice.
    send(250, 250);
    await waitFor(() => {
      expect(top()).toBe("250");
    });
    const ids = within(feed)
      .getAllByRole("listitem")
      .map((li) => Number(li.getAttribute("data-event-id")));
    // The feed shows the newest 100.
    expect(ids).toEqual(Array.from({ length: 100 }, (_, i) => 250 - i));
    expect(within(feed).getAllByText(/fill number 250$/)).toHaveLength(1);
  });
});

describe("disconnected banner", () => {
  it("says the server is unreachable while the socket is down, and goes when it is back", async () => {
    await fakeServer();
    await openApp(TOKEN);
    expect(screen.queryByRole("alert")).toBeNull();
    expect(screen.getByRole("status", { name: "Connection" }).textContent).toBe("live");
    FakeSocket.last().drop();
    const banner = await screen.findByRole("alert");
    expect(banner.textContent).toBe("Disconnected from the server — reconnecting…");
    expect(screen.getByRole("status", { name: "Connection" }).textContent).toBe("disconnected");
    // The last state stays on screen under the banner.
    expect(screen.getByRole("status", { name: "Trading state" })).toBeTruthy();
    // The app reconnects with backoff (250 ms first) and resumes after the last id it saw.
    await waitFor(() => {
      expect(FakeSocket.instances).toHaveLength(2);
    });
    FakeSocket.last().accept();
    await waitFor(() => {
      expect(screen.queryByRole("alert")).toBeNull();
    });
    expect(JSON.parse(FakeSocket.last().sent[0] ?? "{}")).toMatchObject({ stream: "s1" });
  });
});
