// The live stream (/v1/stream, Server-Sent Events) for the signed-in user.
// EventSource sends no headers, so the access token goes as ?access_token= (the route accepts it).
// EventSource resumes by itself with Last-Event-ID; when the connection is refused (e.g. the token
// expired) we open a new one with the current token and tell the screen to reload what it shows,
// as we do on the stream's own `event: reset`.

import { refresh, streamUrl } from "./api.js";

export const RELEASE_EVENTS = [
  "release_published", "release_corrected", "release_withdrawn", "embargo_lifted", "release_publish_failed", "correction_notice",
];

export const QUESTION_EVENTS = [
  "question_received", "question_routed", "question_updated", "question_escalated", "question_overdue",
  "question_answered", "question_closed",
];

/** Opens the stream and calls onEvent(type, data) for each of `events` (default: the release events). */
export function openStream({ onEvent, onReset, onState, events = RELEASE_EVENTS }) {
  let source = null;
  let closed = false;
  let retry = null;

  const connect = () => {
    source = new EventSource(streamUrl());
    source.onopen = () => onState && onState(true);
    source.onerror = () => {
      onState && onState(false);
      if (source.readyState === EventSource.CLOSED && !closed) {
        source.close();
        clearTimeout(retry);
        retry = setTimeout(async () => {
          await refresh().catch(() => {});
          if (!closed) { connect(); onReset && onReset(); }
        }, 3000);
      }
    };
    for (const type of events) {
      source.addEventListener(type, (message) => {
        try { onEvent(type, JSON.parse(message.data)); } catch { /* a malformed frame is skipped */ }
      });
    }
    source.addEventListener("reset", () => onReset && onReset());
  };
  connect();
  return () => { closed = true; clearTimeout(retry); if (source) source.close(); };
}

export const MONITORING_EVENTS = ["misinformation_alert", "trend_detected"];

/**
 * Calls reload() when the stream tells of any of `events` (for which match(data) holds) and after a
 * reset, at most once per `quietMs` (a burst of events is one reload). Returns the closer.
 */
export function reloadOnStream(events, reload, { match = () => true, quietMs = 500 } = {}) {
  let pending = null;
  const soon = () => { if (!pending) pending = setTimeout(() => { pending = null; reload(); }, quietMs); };
  const close = openStream({ events, onReset: soon, onEvent: (_type, data) => { if (match(data)) soon(); } });
  return () => { clearTimeout(pending); close(); };
}
