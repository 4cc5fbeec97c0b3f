// Shared bits of the screens: status announcements, dates, badges, loading into a region, forms.

import { ApiError } from "./api.js";
import { h, replace } from "./dom.js";
import { getLang, t } from "./i18n.js";

const status = () => document.getElementById("status");

/** Say something to everyone (visible status line, polite live region). */
export function announce(message, isError = false) {
  const el = status();
  el.classList.toggle("error", isError);
  el.textContent = message;
}

export function errorText(error) {
  if (error instanceof ApiError) {
    const detail = error.problem.detail || error.problem.title || error.message;
    if (error.status === 403) return `${t("error.forbidden")} ${detail}`;
    if (error.status === 404) return `${t("error.not_found")} ${detail}`;
    if (error.status === 409) return `${t("error.conflict")} ${detail}`;
    if (error.status === 503 || error.status === 504) return `${t("error.unavailable")} ${detail}`;
    return typeof detail === "string" ? detail : JSON.stringify(detail);
  }
  return t("error.network");
}

export function formatTime(value) {
  if (!value) return "";
  const date = new Date(value);
  return date.toLocaleString(getLang() === "vi" ? "vi-VN" : "en-GB", {
    timeZone: "Asia/Ho_Chi_Minh", dateStyle: "medium", timeStyle: "short",
  });
}

export function time(value) {
  return value ? h("time", { datetime: value }, formatTime(value)) : "";
}

export function badge(code, label) {
  return h("span", { class: `badge ${code}` }, label || t(`status.${code}`));
}

/** Fill `region` with what `load()` returns, showing a quiet placeholder meanwhile and the error if any. */
export async function fill(region, load, draw) {
  replace(region, h("p", { class: "skeleton" }, t("app.loading")));
  region.setAttribute("aria-busy", "true");
  try {
    const data = await load();
    replace(region, draw(data));
  } catch (error) {
    replace(region, h("p", { class: "error-text", role: "alert" }, errorText(error)));
  } finally {
    region.removeAttribute("aria-busy");
  }
}

/** A form whose submit runs `action(form)`: the button is disabled meanwhile, errors shown by the form. */
export function actionForm(attrs, controls, label, action, { danger = false } = {}) {
  const message = h("p", { class: "error-text", role: "alert", hidden: true });
  const button = h("button", { type: "submit", class: danger ? "danger" : null }, label);
  const form = h("form", { ...attrs, novalidate: false }, controls, h("div", { class: "actions" }, button), message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    button.disabled = true;
    message.hidden = true;
    try {
      await action(form);
    } catch (error) {
      message.textContent = errorText(error);
      message.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

export function emptyRow(text) { return h("p", { class: "muted" }, text); }

/** A <select> of options [[value, label]], with the current value selected. */
export function select(name, options, value, attrs = {}) {
  return h("select", { name, ...attrs },
    options.map(([optionValue, label]) => h("option", { value: optionValue, selected: optionValue === value }, label)));
}

export function toLocalInput(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A datetime-local value (the browser's zone) as an ISO instant with offset. */
export function fromLocalInput(value) { return value ? new Date(value).toISOString() : null; }
