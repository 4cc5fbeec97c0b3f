// One question: status and deadlines, the escalation chain (one leg per unit with its routing
// reason), clarifications, answers, history; and what the signed-in role may do next.
// Reloaded when the live stream tells of a step of this question (an answer, a clarification asked
// for, an escalation ...) and after a stream reset; a slow poll also moves the deadlines' display on.

import { api } from "../api.js";
import { QUESTION_EVENTS, reloadOnStream } from "../stream.js";
import { field, h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { actionForm, announce, badge, errorText, time } from "../ui.js";

const OPEN = ["received", "routed", "in_progress", "awaiting_clarification"];

function actions(q, me, reload) {
  const path = (step) => `/v1/questions/${encodeURIComponent(q.id)}/${step}`;
  const step = (name, body = {}) => api(path(name), { method: "POST", body: { expected_revision: q.revision, ...body } })
    .then(async () => { await reload(true); announce(t(`question.done.${name}`)); });
  const text = (name, label, required = true) => field(label, h("textarea", { name, required, rows: 4 }));
  const forms = [];
  const isUnit = me.role === "unit_officer";
  const isEditor = ["editor", "admin"].includes(me.role);
  if ((isUnit || isEditor) && OPEN.includes(q.status)) {
    if (q.status === "routed") forms.push(actionForm({}, [], t("question.action.start"), () => step("start")));
    forms.push(actionForm({ "aria-label": t("question.action.answer") }, [
      text("text", t("question.answer_text")),
      h("label", { class: "check" }, h("input", { type: "checkbox", name: "public" }), t("question.public")),
    ], t("question.action.answer"), (form) => step("answer", { text: form.elements.text.value.trim(), public: form.elements.public.checked })));
    if (q.status !== "awaiting_clarification") {
      forms.push(h("details", {}, h("summary", {}, t("question.action.clarification-request")),
        actionForm({}, [text("request", t("question.clarification_request"))], t("question.action.clarification-request"),
          (form) => step("clarification-request", { request: form.elements.request.value.trim() }))));
    }
  }
  if (me.role === "journalist") {
    if (q.status === "awaiting_clarification") {
      forms.push(actionForm({}, [text("text", t("question.clarification"))], t("question.action.clarification"),
        (form) => step("clarification", { text: form.elements.text.value.trim() })));
    }
    if (q.status === "answered") {
      forms.push(h("details", {}, h("summary", {}, t("question.action.reopen")),
        actionForm({}, [text("reason", t("question.reason"))], t("question.action.reopen"), (form) => step("reopen", { reason: form.elements.reason.value.trim() }))));
    }
  }
  if (isEditor && OPEN.includes(q.status)) {
    forms.push(h("details", {}, h("summary", {}, t("question.action.reroute")),
      actionForm({}, [field(t("question.unit"), h("input", { name: "unit_code", required: true, maxlength: 64 })), text("reason", t("question.reason"))],
        t("question.action.reroute"), (form) => step("reroute", { unit_code: form.elements.unit_code.value.trim(), reason: form.elements.reason.value.trim() }))));
    forms.push(h("details", {}, h("summary", {}, t("question.action.escalate")),
      actionForm({}, [field(t("question.to_unit"), h("input", { name: "to_unit_code", maxlength: 64 }), t("question.to_unit_hint")), text("reason", t("question.reason"))],
        t("question.action.escalate"), (form) => step("escalate", {
          reason: form.elements.reason.value.trim(), to_unit_code: form.elements.to_unit_code.value.trim() || null,
        }))));
  }
  if ((me.role === "journalist" || isEditor) && q.status !== "closed") {
    forms.push(actionForm({}, [], t("question.action.close"), () => step("close", { reason: "" }), { danger: true }));
  }
  return forms.length ? h("section", { class: "card" }, h("h2", {}, t("question.actions")), forms) : null;
}

function draw(q, me, reload) {
  return [
    h("p", {}, h("a", { href: "#/questions" }, `← ${t("nav.questions")}`)),
    h("article", { class: "card" },
      h("h1", {}, q.title),
      h("p", { class: "muted" }, badge(q.status), " ", q.sla.stage !== "on_time" ? badge(q.sla.stage) : null,
        ` · ${q.category} · ${t("question.unit_now")}: `, h("strong", { "data-testid": "question-unit" }, q.unit_code),
        q.sla.due_at ? [` · ${t("question.due")}: `, time(q.sla.due_at)] : null,
        q.sla.paused ? ` · ${t("questions.paused")}` : null),
      h("div", { class: "body-text" }, q.body)),
    q.answers.length ? h("section", { "aria-labelledby": "answers" }, h("h2", { id: "answers" }, t("question.answers")),
      h("ol", { class: "list" }, q.answers.map((a) => h("li", { class: "answer" },
        h("div", { class: "body-text" }, a.text),
        h("div", { class: "muted" }, a.unit_code, " · ", time(a.answered_at), " · ", a.within_deadline ? badge("on_time", t("question.on_time")) : badge("overdue", t("question.late"))))))) : null,
    q.clarifications.length ? h("section", {}, h("h2", {}, t("question.clarifications")),
      h("ol", { class: "list" }, q.clarifications.map((c) => h("li", {},
        h("div", {}, h("strong", {}, `${t("question.asked")}: `), c.request, " · ", time(c.requested_at)),
        c.answer ? h("div", {}, h("strong", {}, `${t("question.replied")}: `), c.answer, " · ", time(c.answered_at)) : null)))) : null,
    h("section", { "aria-labelledby": "chain" }, h("h2", { id: "chain" }, t("question.chain")),
      h("ol", { class: "timeline" }, q.legs.map((leg) => h("li", {},
        h("strong", {}, leg.unit_code), ` · ${t(`leg.${leg.via}`)} · ${t("question.level")} ${leg.level}`,
        h("div", { class: "muted" }, `${leg.rule}: ${leg.reason}`),
        h("div", {}, time(leg.started_at), leg.due_at ? [` → ${t("question.unit_due")} `, time(leg.due_at)] : null,
          " · ", badge(leg.outcome === "open" ? (leg.deadline_missed ? "overdue" : "routed") : leg.outcome, t(`leg.outcome.${leg.outcome}`)),
          leg.deadline_missed ? [" ", badge("overdue", t("question.missed"))] : null))))),
    actions(q, me, reload),
    h("details", {}, h("summary", {}, t("question.history")),
      h("ol", { class: "timeline" }, q.history.map((e) => h("li", {}, time(e.at), ` · ${t(`qaction.${e.action}`)} · ${e.unit_code}`, e.note ? ` — ${e.note}` : "")))),
  ];
}

export function render(main, { params: [id], me }) {
  const region = h("div", {}, h("p", { class: "skeleton" }, t("app.loading")));
  replace(main, region);
  let revision = null;
  const reload = async (ownChange = false) => {
    try {
      const q = await api(`/v1/questions/${encodeURIComponent(id)}`);
      if (q.revision === revision) return; // unchanged: keep what the user is typing
      if (revision !== null && !ownChange) announce(t("question.updated"));
      revision = q.revision;
      const focused = document.activeElement && region.contains(document.activeElement);
      replace(region, draw(q, me, reload));
      if (focused) region.querySelector("h1")?.focus?.();
    } catch (error) {
      replace(region, h("p", { class: "error-text", role: "alert" }, errorText(error)));
    }
  };
  reload();
  const timer = setInterval(() => reload(), 60_000); // deadlines and stages move on their own
  const close = reloadOnStream(QUESTION_EVENTS, () => reload(), { match: (data) => data.question_id === id, quietMs: 0 });
  return () => { clearInterval(timer); close(); };
}
