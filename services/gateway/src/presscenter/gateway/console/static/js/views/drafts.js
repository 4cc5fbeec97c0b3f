// Drafting: a new release with attachments (uploaded through presigned URLs), submitted for review;
// and the unit's releases still in the workflow.

import { api } from "../api.js";
import { field, h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { actionForm, announce, fill } from "../ui.js";
import { releaseItem } from "./feed.js";
import { attachments, contentFields, contentFrom } from "./content_form.js";

export function render(main, { me }) {
  const isEditor = ["editor", "admin"].includes(me.role);
  const unit = h("input", { name: "unit_code", required: true, maxlength: 64, value: me.unit_code || "", readonly: !isEditor });
  const files = attachments(() => unit.value.trim());
  const submitNow = h("input", { type: "checkbox", name: "submit_now", checked: true });
  const mine = h("div", {});
  const loadMine = () => fill(mine, () => api("/v1/releases", {
    params: { unit_code: isEditor ? null : me.unit_code, status: ["draft", "rejected", "submitted", "approved", "scheduled"], limit: 50 },
  }), (page) => page.items.length ? h("ol", { class: "list" }, page.items.map((item) => releaseItem(item))) : h("p", { class: "muted" }, t("drafts.none")));

  const form = actionForm({ "aria-labelledby": "draft-title" }, [
    field(t("drafts.unit"), unit),
    ...contentFields(),
    files.element,
    h("label", { class: "check" }, submitNow, t("drafts.submit_now")),
  ], t("drafts.save"), async (formEl) => {
    let release = await api("/v1/releases", {
      method: "POST",
      body: { unit_code: unit.value.trim(), content: contentFrom(formEl, {}, files.ids()) },
    });
    if (submitNow.checked) {
      release = await api(`/v1/releases/${encodeURIComponent(release.id)}/submit`, { method: "POST", body: { expected_revision: release.revision } });
    }
    announce(t(submitNow.checked ? "drafts.submitted" : "drafts.saved"));
    location.hash = `#/releases/${encodeURIComponent(release.id)}`;
  });

  replace(main,
    h("h1", {}, t("drafts.title")),
    h("div", { class: "grid" },
      h("section", { class: "card" }, h("h2", { id: "draft-title" }, t("drafts.new")), form),
      h("section", {}, h("h2", {}, t("drafts.in_workflow")), mine)));
  loadMine();
}
