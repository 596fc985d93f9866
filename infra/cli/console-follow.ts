/** `predator events --follow` against the console of a running `npm start` (its WebSocket). */
import WebSocket from "ws";
import { SystemClock } from "../../bus/clock.ts";
import { serverFrame } from "../../contracts/console.ts";
import { formatEvent } from "./events.ts";
import { print, printError } from "./output.ts";
import type { LocalConsole } from "../app/console/local.ts";

export async function followLocal(
  target: LocalConsole,
  json: boolean,
  forS: number | null,
): Promise<void> {
  const clock = new SystemClock();
  const timers: ReturnType<SystemClock["setTimer"]>[] = [];
  const ws = new WebSocket(`${target.url.replace(/^http/, "ws")}/api/events`);
  const why = await new Promise<string>((resolve) => {
    ws.on("open", () => {
      ws.send(JSON.stringify({ type: "hello", token: target.token, stream: null, after: 0 }));
    });
    ws.on("message", (data: Buffer) => {
      const frame = serverFrame.safeParse(JSON.parse(data.toString("utf8")));
      if (!frame.success) return;
      if (frame.data.type === "events")
        for (const event of frame.data.events) print(formatEvent(event, json));
      if (frame.data.type === "error") printError(`predator: ${frame.data.error}`);
    });
    ws.on("close", () => {
      resolve("the console closed the stream");
    });
    ws.on("error", (error) => {
      resolve(`the console is unreachable: ${error.message}`);
    });
    process.once("SIGINT", () => {
      resolve("SIGINT");
    });
    process.once("SIGTERM", () => {
      resolve("SIGTERM");
    });
    if (forS !== null)
      timers.push(
        clock.setTimer(forS * 1000, () => {
          resolve("time");
        }),
      );
  });
  ws.terminate();
  for (const t of timers) clock.clearTimer(t);
  if (!json) print(`predator: events stopped (${why})`);
}
