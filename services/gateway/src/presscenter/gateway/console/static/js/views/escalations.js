// The escalation board: open questions past (or near) their deadline, and those escalated up the tree.

import { api } from "../api.js";
import { reloadOnStream } from "../stream.js";
import { h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { fill } from "../ui.js";
import { questionTable } from "./questions.js";

const OPEN = ["routed", "in_progress", "awaiting_clarification"];

export function render(main) {
  const overdue = h("div", {});
  const warning = h("div", {});
  const escalated = h("div", {});
  const load = () => {
    const open = api("/v1/questions", { params: { status: OPEN, limit: 100 } }).then((page) => page.items);
    fill(overdue, () => open, (items) => questionTable(items.filter((q) => ["overdue", "very_overdue"].includes(q.stage)), t("escalations.overdue")));
    fill(warning, () => open, (items) => questionTable(items.filter((q) => q.stage === "warning"), t("escalations.warning")));
    fill(escalated, () => open, (items) => questionTable(items.filter((q) => q.escalation_level > 0), t("escalations.escalated")));
  };
  replace(main,
    h("h1", {}, t("escalations.title")),
    h("section", {}, h("h2", {}, t("escalations.overdue")), overdue),
    h("section", {}, h("h2", {}, t("escalations.warning")), warning),
    h("section", {}, h("h2", {}, t("escalations.escalated")), escalated));
  load();
  const timer = setInterval(load, 60_000);
  const close = reloadOnStream(["question_overdue", "question_escalated", "question_answered", "question_closed"], load);
  return () => { clearInterval(timer); close(); };
}
