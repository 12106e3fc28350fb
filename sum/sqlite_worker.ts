/**
 * The worker thread an {@linkcode SqliteStore} commits on: it holds the
 * {@linkcode SqliteFile} and answers each request in turn.
 *
 * @module
 */
import { CommitFailed, SqliteFile, type SqliteFileOptions } from "./sqlite_file.ts";
import type { ChangeByValue, Outcome } from "./store.ts";

/** What the store asks of its worker. */
export type WorkerRequest =
  | { kind: "open"; path: string; options: SqliteFileOptions }
  | { kind: "commit"; changes: ChangeByValue[] }
  | { kind: "close" };

/** What the worker answers, one reply per request, in order. */
export type WorkerReply =
  | { kind: "opened"; total: number }
  | { kind: "committed"; outcomes: Outcome[]; applied: number[] }
  | { kind: "failed"; message: string; open: boolean }
  | { kind: "closed" };

declare const self: Worker & { close(): void };

let file: SqliteFile | undefined;

function answer(request: WorkerRequest): WorkerReply {
  try {
    switch (request.kind) {
      case "open":
        file = SqliteFile.open(request.path, request.options);
        return { kind: "opened", total: file.total };
      case "commit":
        return { kind: "committed", ...file!.commit(request.changes) };
      case "close":
        file?.close();
        return { kind: "closed" };
    }
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    return { kind: "failed", message: error.message, open: !(error instanceof CommitFailed) };
  }
}

self.onmessage = ({ data }: MessageEvent<WorkerRequest>) => {
  self.postMessage(answer(data));
  if (data.kind === "close") self.close();
};
