// One release: its text, versions and corrections, withdrawal notice, ninjs/feed links, media
// downloads, history; and the workflow actions the signed-in role may take.

import { api } from "../api.js";
import { field, h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { openStream } from "../stream.js";
import { actionForm, announce, badge, errorText, formatTime, fromLocalInput, select, time, toLocalInput } from "../ui.js";
import { contentFields, contentFrom } from "./content_form.js";

const EDITORS = ["editor", "admin"];
// When this page made the change, the stream's echo of it reloads quietly (the page said it already).
const ownChange = { at: 0 };
const ECHO_MS = 10_000;
const AUTHORS = ["unit_officer", "editor", "admin"];

function mediaList(ids) {
  if (!ids.length) return null;
  return h("section", {}, h("h2", {}, t("release.media")),
    h("ul", { class: "list" }, ids.map((id) => {
      const row = h("li", {}, h("span", {}, id), " ");
      const button = h("button", { type: "button", class: "secondary" }, t("release.download"));
      button.addEventListener("click", async () => {
        button.disabled = true;
        try {
          const link = await api(`/v1/media/assets/${encodeURIComponent(id)}/download-url`, { method: "POST", body: { rendition: "original" } });
          const anchor = h("a", { href: link.url, download: link.filename }, `${link.filename} (${Math.ceil(link.size / 1024)} KB)`);
          row.replaceChildren(anchor);
          anchor.click();
        } catch (error) {
          row.append(h("span", { class: "error-text" }, ` ${errorText(error)}`));
        } finally {
          button.disabled = false;
        }
      });
      api(`/v1/media/assets/${encodeURIComponent(id)}`).then((asset) => {
        row.firstChild.textContent = `${asset.metadata?.title || asset.filename} · ${asset.content_type || asset.declared_content_type}`;
      }).catch(() => {});
      row.append(button);
      return row;
    })));
}

function actions(release, me, reload) {
  const isEditor = EDITORS.includes(me.role);
  const isAuthor = AUTHORS.includes(me.role) && (isEditor || me.unit_code === release.unit_code);
  if (!isAuthor) return null;
  const path = (step) => `/v1/releases/${encodeURIComponent(release.id)}/${step}`;
  const step = (name, body = {}) => api(path(name), { method: "POST", body: { expected_revision: release.revision, ...body } })
    .then(async () => { ownChange.at = Date.now(); await reload(); announce(t(`release.done.${name}`)); });
  const simple = (name, danger = false) => actionForm({ class: "inline" }, [], t(`release.action.${name}`), () => step(name), { danger });
  const forms = [];
  const status = release.status;
  if (["draft", "rejected"].includes(status)) forms.push(simple("submit"));
  if (status === "submitted" && isEditor) {
    forms.push(simple("approve"));
    forms.push(actionForm({}, [field(t("release.reason"), h("textarea", { name: "reason", required: true, rows: 2 }))],
      t("release.action.reject"), (form) => step("reject", { reason: form.elements.reason.value.trim() }), { danger: true }));
  }
  if (["approved", "scheduled"].includes(status) && isEditor) forms.push(simple("publish"));
  if (status === "approved" && isEditor) {
    forms.push(actionForm({}, [field(t("release.schedule_at"), h("input", { name: "at", type: "datetime-local", required: true }))],
      t("release.action.schedule"), (form) => step("schedule", { at: fromLocalInput(form.elements.at.value) })));
  }
  if (status === "scheduled" && isEditor) forms.push(simple("unschedule"));
  if (["draft", "submitted", "approved", "scheduled"].includes(status) && (isEditor || ["draft", "submitted"].includes(status))) {
    forms.push(actionForm({}, [field(t("release.embargo_until"), h("input", {
      name: "until", type: "datetime-local", value: release.embargoed_until ? toLocalInput(new Date(release.embargoed_until)) : null,
    }), t("release.embargo_hint"))],
      t("release.action.embargo"), (form) => step("embargo", { until: fromLocalInput(form.elements.until.value) })));
  }
  if (status === "published" && isEditor) {
    forms.push(h("details", {}, h("summary", {}, t("release.action.correct")),
      actionForm({}, [...contentFields(release.content), field(t("release.correction_note"), h("textarea", { name: "note", required: true, rows: 2 }))],
        t("release.action.correct"), (form) => step("correct", { content: contentFrom(form, release.content), note: form.elements.note.value.trim() }))));
    forms.push(h("details", {}, h("summary", {}, t("release.action.withdraw")),
      actionForm({}, [
        field(t("release.withdraw_reason"), select("reason", ["published_in_error", "superseded", "withdrawn"].map((code) => [code, t(`withdrawal.${code}`)]), "withdrawn")),
        field(t("release.withdraw_note"), h("textarea", { name: "note", rows: 2 })),
        field(t("release.superseded_by"), h("input", { name: "superseded_by", maxlength: 64 })),
      ], t("release.action.withdraw"), (form) => step("withdraw", {
        reason: form.elements.reason.value,
        note: form.elements.note.value.trim(),
        superseded_by: form.elements.superseded_by.value.trim() || null,
      }), { danger: true })));
  }
  if (!forms.length) return null;
  return h("section", { class: "card", "aria-labelledby": "release-actions" }, h("h2", { id: "release-actions" }, t("release.actions")), forms);
}

function draw(release, me, reload) {
  const content = release.content;
  const versions = release.versions || [];
  return [
    h("p", {}, h("a", { href: "#/feed" }, `← ${t("nav.feed")}`)),
    h("article", { class: "card", lang: content.language },
      h("h1", {}, content.title),
      h("p", { class: "muted" }, release.unit_code, " · ", badge(release.status),
        release.embargoed_until ? [" ", badge("embargo", `${t("release.embargoed")} ${formatTime(release.embargoed_until)}`)] : null,
        release.scheduled_at && release.status === "scheduled" ? [` · ${t("release.scheduled_for")} `, time(release.scheduled_at)] : null,
        release.version ? ` · ${t("release.version")} ${release.version}` : null,
        release.first_published_at ? [" · ", time(release.first_published_at)] : null),
      release.withdrawal ? h("div", { class: "notice bad", role: "note" },
        h("strong", {}, t("release.withdrawn_notice")), ` ${t(`withdrawal.${release.withdrawal.reason}`)}. ${release.withdrawal.note || ""}`,
        release.withdrawal.superseded_by ? h("a", { href: `#/releases/${release.withdrawal.superseded_by}` }, ` ${t("release.see_new")}`) : null) : null,
      release.rejection_reason ? h("div", { class: "notice", role: "note" }, `${t("release.rejected_because")} ${release.rejection_reason}`) : null,
      release.failure ? h("div", { class: "notice bad", role: "note" }, release.failure) : null,
      content.lead ? h("p", {}, h("strong", {}, content.lead)) : null,
      h("div", { class: "body-text" }, content.body),
      content.contacts?.length ? h("p", { class: "muted" }, `${t("release.contacts")}: `, content.contacts.map((c) => [c.name, c.phone ? ` (${c.phone})` : "", c.email ? ` ${c.email}` : ""]).flat().join("")) : null,
      release.version ? h("p", { class: "actions" },
        h("a", { class: "button secondary", href: `/v1/releases/${encodeURIComponent(release.id)}/ninjs`, type: "application/json" }, "ninjs"),
        h("a", { class: "button secondary", href: "/v1/feeds/releases.atom" }, "Atom"),
        h("a", { class: "button secondary", href: "/v1/feeds/releases.json" }, "JSON Feed")) : null),
    mediaList(content.media_asset_ids || []),
    versions.length > 1 || versions.some((v) => v.correction_note) ? h("section", {}, h("h2", {}, t("release.versions")),
      h("ol", { class: "timeline" }, versions.map((version) => h("li", {},
        h("strong", {}, `${t("release.version")} ${version.version}`), " · ", time(version.published_at),
        version.correction_note ? h("div", {}, `${t("release.correction")}: ${version.correction_note}`) : null,
        h("div", {}, h("a", { href: `/v1/releases/${encodeURIComponent(release.id)}/ninjs?version=${version.version}` }, `ninjs v${version.version}`)))))) : null,
    actions(release, me, reload),
    release.history?.length ? h("details", {}, h("summary", {}, t("release.history")),
      h("ol", { class: "timeline" }, release.history.map((entry) => h("li", {},
        time(entry.at), " · ", t(`action.${entry.action}`), " · ", entry.actor.role, entry.note ? ` — ${entry.note}` : "")))) : null,
  ];
}

export function render(main, { params: [id], me }) {
  const region = h("div", {}, h("p", { class: "skeleton" }, t("app.loading")));
  replace(main, region);
  const reload = async () => {
    try {
      const release = await api(`/v1/releases/${encodeURIComponent(id)}`);
      replace(region, draw(release, me, reload));
      document.title = `${release.content.title} — ${t("app.title")}`;
    } catch (error) {
      replace(region, h("p", { class: "error-text", role: "alert" }, errorText(error)));
    }
  };
  reload();
  // a correction, withdrawal or embargo end of this release shows at once
  return openStream({
    onReset: reload,
    onEvent: (type, data) => {
      if ((data.release?.release_id || data.release?.id) !== id) return;
      if (Date.now() - ownChange.at > ECHO_MS) announce(`${t(`feed.event.${type}`)}: ${data.release.title || id}`);
      reload();
    },
  });
}
