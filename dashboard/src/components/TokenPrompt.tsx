/** Shown when there is no token or the server refused it: never a blank page. */
import { useId, useState } from "react";

export function TokenPrompt(props: { refused: boolean; onToken: (token: string) => void }) {
  const [value, setValue] = useState("");
  const id = useId();
  return (
    <main className="mx-auto max-w-md space-y-4 p-6">
      <h1 className="text-2xl font-bold">predator console</h1>
      {props.refused ? (
        <p role="alert" className="text-rose-600 dark:text-rose-400">
          The server refused this token (401). Enter the token printed by <code>npm start</code> (or
          PREDATOR_API_TOKEN / PREDATOR_VIEW_TOKEN).
        </p>
      ) : (
        <p>
          Enter the console token printed by <code>npm start</code>.
        </p>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim() !== "") props.onToken(value.trim());
        }}
        className="space-y-2"
      >
        <label htmlFor={id} className="block font-medium">
          Token
        </label>
        <input
          id={id}
          type="password"
          autoComplete="off"
          value={value}
          onChange={(e) => {
            setValue(e.target.value);
          }}
          className="w-full rounded border border-slate-400 bg-transparent p-2"
        />
        <button type="submit" className="rounded bg-sky-700 px-4 py-2 font-semibold text-white">
          Open the console
        </button>
      </form>
    </main>
  );
}
