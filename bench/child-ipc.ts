/**
 * The child side of the IPC channel the orchestrator speaks (proc.ts is the
 * parent side), shared by the single-connection child (child.ts) and the
 * scale children (scale/client-child.ts, scale/server-child.ts).
 */
import type { ChildReply } from './types';

/**
 * Answers each request from the parent with what `handle` resolves to, or
 * the error it rejects with (its stack, as text); exits when the parent
 * goes away, whatever state it died in.
 */
export function answerParent<M extends { id: number }>(handle: (msg: M) => Promise<unknown>): void {
  process.on('message', (msg: M) => {
    handle(msg).then(
      (value) => process.send!({ id: msg.id, ok: true, value } satisfies ChildReply),
      (err: unknown) => {
        const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
        process.send!({ id: msg.id, ok: false, error } satisfies ChildReply);
      },
    );
  });
  process.on('disconnect', () => process.exit(1));
}

/** Exits with code 3 on an unhandled rejection, naming the child (`label`) on stderr. */
export function exitOnUnhandledRejection(label: string): void {
  process.on('unhandledRejection', (err) => {
    process.stderr.write(`${label} ${process.pid}: unhandled rejection: ${String(err)}\n`);
    process.exit(3);
  });
}
