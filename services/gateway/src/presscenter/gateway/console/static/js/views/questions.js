// Questions: a journalist's own, a unit officer's unit queue (most urgent first, with deadlines),
// every question for editors. Also the table the escalation board reuses.

import { api } from "../api.js";
import { QUESTION_EVENTS, reloadOnStream } from "../stream.js";
import { field, h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { badge, fill, select, time } from "../ui.js";

const STATUSES = ["", "routed", "in_progress", "awaiting_clarification", "answered", "closed"];

export function questionTable(items, caption) {
  if (!items.length) return h("p", { class: "muted" }, t("questions.none"));
  return h("div", { class: "table-wrap" }, h("table", {},
    h("caption", { class: "visually-hidden" }, caption),
    h("thead", {}, h("tr", {}, ["questions.col.title", "questions.col.status", "questions.col.unit", "questions.col.unit_due", "questions.col.due", "questions.col.level"]
      .map((key) => h("th", { scope: "col" }, t(key))))),
    h("tbody", {}, items.map((q) => h("tr", { dataset: { questionId: q.id } },
      h("td", {}, h("a", { href: `#/questions/${encodeURIComponent(q.id)}` }, q.title), h("div", { class: "muted" }, q.category, q.priority === "urgent" ? ` · ${t("priority.urgent")}` : "")),
      h("td", {}, badge(q.status), " ", q.stage !== "on_time" ? badge(q.stage) : null, q.paused ? ` ${t("questions.paused")}` : ""),
      h("td", {}, q.unit_code),
      h("td", {}, time(q.unit_due_at)),
      h("td", {}, time(q.due_at)),
      h("td", {}, q.escalation_level ? badge("warning", `↑${q.escalation_level}`) : "0"))))));
}

export function render(main, { me }) {
  const region = h("div", { id: "question-queue" });
  const status = select("status", STATUSES.map((code) => [code, code ? t(`status.${code}`) : t("questions.any_status")]), "");
  const unit = h("input", { name: "unit_code", maxlength: 64, value: me.role === "unit_officer" ? me.unit_code || "" : "" });
  const load = () => fill(region,
    () => api("/v1/questions", { params: { status: status.value, unit_code: unit.value.trim(), limit: 50 } }),
    (page) => questionTable(page.items, t("questions.title")));
  const form = h("form", { class: "row", "aria-label": t("questions.filter") },
    field(t("questions.status"), status),
    me.role !== "journalist" ? field(t("questions.unit"), unit) : null,
    h("div", {}, h("button", { type: "submit" }, t("questions.filter"))));
  form.addEventListener("submit", (event) => { event.preventDefault(); load(); });
  const title = { journalist: "questions.mine", unit_officer: "questions.queue" }[me.role] || "questions.all";
  replace(main,
    h("h1", {}, t(title)),
    me.role === "journalist" ? h("p", {}, h("a", { class: "button", href: "#/questions/new" }, t("nav.ask"))) : null,
    form, region);
  load();
  const timer = setInterval(load, 60_000); // deadlines and stages move on their own
  const close = reloadOnStream(QUESTION_EVENTS, load); // new, answered, escalated ... questions show at once
  return () => { clearInterval(timer); close(); };
}
