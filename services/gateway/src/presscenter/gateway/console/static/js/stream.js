// The live stream (/v1/stream, Server-Sent Events) for the signed-in user.
// EventSource sends no headers, so the access token goes as ?access_token= (the route accepts it).
// EventSource resumes by itself with Last-Event-ID; when the connection is refused (e.g. the token
// expired) we open a new one with the current token and tell the screen to reload what it shows,
// as we do on the stream's own `event: reset`.

import { refresh, streamUrl } from "./api.js";

export const RELEASE_EVENTS = [
  "release_published", "release_corrected", "release_withdrawn", "embargo_lifted", "release_publish_failed", "correction_notice",
];

export function openStream({ onEvent, onReset, onState }) {
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
    for (const type of RELEASE_EVENTS) {
      source.addEventListener(type, (message) => {
        try { onEvent(type, JSON.parse(message.data)); } catch { /* a malformed frame is skipped */ }
      });
    }
    source.addEventListener("reset", () => onReset && onReset());
  };
  connect();
  return () => { closed = true; clearTimeout(retry); if (source) source.close(); };
}
