// A journalist asks a question: category (with its deadline), place, priority.

import { api } from "../api.js";
import { field, h, replace } from "../dom.js";
import { getLang, t } from "../i18n.js";
import { actionForm, announce } from "../ui.js";

export function render(main, { me }) {
  const category = h("select", { name: "category", required: true }, h("option", { value: "general" }, t("ask.loading_categories")));
  api("/v1/question-categories", { params: { language: getLang() } }).then((list) => {
    category.replaceChildren(...list.items.map((c) =>
      h("option", { value: c.code }, `${c.name} — ${t("ask.deadline", { hours: c.normal_hours })}`)));
  }).catch(() => {
    category.replaceChildren(h("option", { value: "general" }, "general"));
  });
  const form = actionForm({ "aria-labelledby": "ask-title" }, [
    field(t("ask.q_title"), h("input", { name: "title", required: true, maxlength: 500 })),
    field(t("ask.body"), h("textarea", { name: "body", required: true, rows: 6 })),
    h("div", { class: "row" },
      field(t("ask.category"), category),
      field(t("ask.place"), h("input", { name: "place", maxlength: 500, placeholder: "phuong-hoan-kiem" }), t("ask.place_hint")),
      field(t("ask.priority"), h("select", { name: "priority" }, ["normal", "urgent"].map((p) => h("option", { value: p }, t(`priority.${p}`)))))),
    field(t("ask.outlet"), h("input", { name: "outlet", maxlength: 200, value: me.outlet || "" })),
  ], t("ask.submit"), async (formEl) => {
    const value = (name) => formEl.elements[name].value.trim();
    const question = await api("/v1/questions", {
      method: "POST",
      body: {
        title: value("title"), body: value("body"), category: value("category"),
        place: value("place") || null, priority: value("priority"), outlet: value("outlet") || null, language: getLang(),
      },
    });
    announce(t("ask.sent", { unit: question.unit_code }));
    location.hash = `#/questions/${encodeURIComponent(question.id)}`;
  });
  replace(main, h("section", { class: "card" }, h("h1", { id: "ask-title" }, t("ask.title")), h("p", { class: "muted" }, t("ask.intro")), form));
}
