/**
 * A command's confirmation: says what it will do, asks for a reason (required) and sends only on
 * Confirm. The native <dialog> traps focus while open and closes on Escape.
 */
import { useEffect, useId, useRef, useState } from "react";

export interface ConfirmSpec {
  title: string;
  /** What will happen, in one or two sentences. */
  effect: string;
  confirmLabel: string;
  danger: boolean;
  run: (reason: string) => Promise<string | null>;
}

export function ConfirmDialog(props: { spec: ConfirmSpec | null; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const reasonId = useId();
  const titleId = useId();
  const { spec, onClose } = props;

  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    if (spec !== null && !dialog.open) {
      setReason("");
      setError(null);
      dialog.showModal();
    } else if (spec === null && dialog.open) dialog.close();
  }, [spec]);

  const submit = async (e: { preventDefault(): void }) => {
    e.preventDefault();
    if (spec === null) return;
    if (reason.trim() === "") {
      setError("A reason is required: say why (it goes to the audit log).");
      return;
    }
    setBusy(true);
    const refusal = await spec.run(reason.trim());
    setBusy(false);
    if (refusal === null) onClose();
    else setError(refusal);
  };

  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      onClose={onClose}
      className="m-auto w-[min(28rem,calc(100vw-2rem))] rounded-lg border border-slate-300 bg-white p-0 text-slate-900 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100"
    >
      {spec !== null && (
        <form onSubmit={(e) => void submit(e)} className="space-y-3 p-4">
          <h2 id={titleId} className="text-lg font-semibold">
            {spec.title}
          </h2>
          <p className="text-sm">{spec.effect}</p>
          <div>
            <label htmlFor={reasonId} className="block text-sm font-medium">
              Reason (required)
            </label>
            <textarea
              id={reasonId}
              value={reason}
              aria-required="true"
              maxLength={500}
              rows={2}
              onChange={(e) => {
                setReason(e.target.value);
              }}
              className="mt-1 w-full rounded border border-slate-400 bg-transparent p-2"
            />
          </div>
          {error !== null && (
            <p role="alert" className="text-sm text-rose-600 dark:text-rose-400">
              {error}
            </p>
          )}
          <div className="flex justify-end gap-2">
            <button
              type="button"
              onClick={onClose}
              className="rounded border border-slate-400 px-3 py-2"
            >
              Cancel
            </button>
            <button
              type="submit"
              disabled={busy}
              className={`rounded px-3 py-2 font-semibold text-white ${spec.danger ? "bg-rose-700" : "bg-emerald-700"}`}
            >
              {spec.confirmLabel}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
