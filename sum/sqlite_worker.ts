/**
 * The worker thread an {@linkcode SqliteStore} commits on: it holds the
 * {@linkcode SqliteFile}, answers each request in turn, and in between tells
 * its store of what other processes commit to the file.
 *
 * @module
 */
import { CommitFailed, type News, SqliteFile, type SqliteFileOptions } from "./sqlite_file.ts";
import { FEED_POLL_MS } from "./sqlite_feed.ts";
import type { ChangeByValue, Outcome } from "./store.ts";

/** What the store asks of its worker. */
export type WorkerRequest =
  | { kind: "open"; path: string; options: SqliteFileOptions }
  | { kind: "commit"; changes: ChangeByValue[] }
  | { kind: "catch up" }
  | { kind: "close" };

/**
 * What the worker answers, one reply per request, in order; and `news`,
 * unasked, when another process has committed.
 */
export type WorkerReply =
  | { kind: "opened"; total: number }
  | { kind: "committed"; outcomes: Outcome[]; applied: number[]; news: News }
  | { kind: "caught up"; news: News }
  | { kind: "failed"; message: string; open: boolean }
  | { kind: "closed" };

/** What the worker tells its store unasked. */
export interface WorkerNews {
  kind: "news";
  news: News;
}

declare const self: Worker & { close(): void };

let file: SqliteFile | undefined;
let polling: ReturnType<typeof setInterval> | undefined;

function answer(request: WorkerRequest): WorkerReply {
  try {
    switch (request.kind) {
      case "open":
        file = SqliteFile.open(request.path, request.options);
        polling = setInterval(poll, FEED_POLL_MS);
        return { kind: "opened", total: file.total };
      case "commit":
        return { kind: "committed", ...file!.commit(request.changes) };
      case "catch up":
        return { kind: "caught up", news: file!.news() };
      case "close":
        clearInterval(polling);
        file?.close();
        return { kind: "closed" };
    }
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    return { kind: "failed", message: error.message, open: !(error instanceof CommitFailed) };
  }
}

function poll(): void {
  let news;
  try {
    news = file?.newsIfAny();
  } catch {
    // A file that cannot be read now is read again at the next commit or poll.
    return;
  }
  if (news && (news.totals.length > 0 || news.gap)) {
    self.postMessage({ kind: "news", news } satisfies WorkerNews);
  }
}

self.onmessage = ({ data }: MessageEvent<WorkerRequest>) => {
  self.postMessage(answer(data));
  if (data.kind === "close") self.close();
};
