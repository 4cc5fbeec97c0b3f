// Live feed of releases with search: new publications appear at the top without reload.

import { api } from "../api.js";
import { field, formValues, h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { openStream } from "../stream.js";
import { announce, badge, errorText, time } from "../ui.js";

export function releaseItem(item, fresh = false) {
  const id = item.id || item.release_id;
  const published = item.first_published_at || item.published_at;
  return h("li", { class: fresh ? "fresh" : null, dataset: { releaseId: id } },
    h("a", { class: "title", href: `#/releases/${encodeURIComponent(id)}` }, item.title || id),
    h("div", { class: "muted" },
      item.unit_code, " · ", badge(item.status || "published"),
      item.embargoed || item.embargoed_until ? [" ", badge("embargo", t("release.embargoed"))] : null,
      item.version > 1 ? ` · ${t("release.version")} ${item.version}` : null,
      published ? [" · ", time(published)] : null),
    item.lead ? h("p", {}, item.lead) : null);
}

export function render(main) {
  const list = h("ol", { class: "list", id: "feed-list", "aria-live": "polite", "aria-relevant": "additions" });
  const more = h("button", { type: "button", class: "secondary", hidden: true }, t("feed.more"));
  const liveDot = h("span", { class: "live-dot", "aria-hidden": "true" });
  const liveText = h("span", {}, t("feed.connecting"));
  const q = h("input", { name: "q", type: "search", maxlength: 200, placeholder: t("feed.search_placeholder") });
  const unit = h("input", { name: "unit_code", maxlength: 64, placeholder: "so-yte" });
  const category = h("input", { name: "category", maxlength: 64, placeholder: "health" });
  let filters = {};
  let cursor = null;

  const load = async (append = false) => {
    if (!append) { replace(list, h("li", { class: "skeleton" }, t("app.loading"))); cursor = null; }
    try {
      const params = { ...filters, limit: 20, cursor: append ? cursor : null };
      const page = await api("/v1/releases", { params });
      if (!append) list.replaceChildren();
      list.append(...page.items.map((item) => releaseItem(item)));
      if (!list.children.length) list.append(h("li", { class: "muted empty" }, t("feed.empty")));
      cursor = page.next_cursor;
      more.hidden = !cursor;
    } catch (error) {
      replace(list, h("li", { class: "error-text", role: "alert" }, errorText(error)));
    }
  };

  const form = h("form", { role: "search", "aria-label": t("feed.search") },
    h("div", { class: "row" }, field(t("feed.q"), q), field(t("feed.unit"), unit), field(t("feed.category"), category),
      h("div", {}, h("button", { type: "submit" }, t("feed.search")))));
  form.addEventListener("submit", (event) => { event.preventDefault(); filters = formValues(form); load(); });
  more.addEventListener("click", () => load(true));

  replace(main,
    h("h1", {}, t("feed.title")),
    h("p", { class: "muted" }, liveDot, liveText),
    form,
    list,
    more);
  load();

  const close = openStream({
    onState: (on) => { liveDot.classList.toggle("on", on); liveText.textContent = t(on ? "feed.live" : "feed.connecting"); },
    onReset: () => load(),
    onEvent: (type, data) => {
      const release = { ...data.release, embargoed: data.embargoed };
      if (type === "correction_notice") {
        announce(t(`feed.notice.${data.action}`, { title: data.release.title, version: data.version_had }), true);
        return;
      }
      if (type === "release_publish_failed") { announce(`${t("feed.publish_failed")}: ${release.title || release.release_id}`, true); return; }
      const id = release.release_id || release.id;
      const existing = list.querySelector(`[data-release-id="${CSS.escape(id)}"]`);
      const item = releaseItem(release, true);
      if (existing) existing.replaceWith(item); else list.prepend(item);
      list.querySelector("li.empty")?.remove();
      announce(`${t(`feed.event.${type}`)}: ${release.title || id}`);
    },
  });
  return close;
}
