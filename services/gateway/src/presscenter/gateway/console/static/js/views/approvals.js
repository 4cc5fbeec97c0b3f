// The editors' approval queue: submitted releases to review, approved ones to publish or schedule,
// scheduled ones, and failed scheduled publications.

import { api } from "../api.js";
import { h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { fill } from "../ui.js";
import { releaseItem } from "./feed.js";

const COLUMNS = [
  ["submitted", "approvals.submitted"],
  ["approved", "approvals.approved"],
  ["scheduled", "approvals.scheduled"],
  ["failed_to_publish", "approvals.failed"],
];

export function render(main) {
  const sections = COLUMNS.map(([status, key]) => {
    const region = h("div", {});
    fill(region, () => api("/v1/releases", { params: { status, limit: 50 } }),
      (page) => page.items.length ? h("ol", { class: "list" }, page.items.map((item) => releaseItem(item))) : h("p", { class: "muted" }, t("approvals.none")));
    return h("section", { "aria-labelledby": `col-${status}` }, h("h2", { id: `col-${status}` }, t(key)), region);
  });
  replace(main, h("h1", {}, t("approvals.title")), h("div", { class: "grid" }, sections));
}
