// Unit scorecards: how each unit answers the press (on-time share, median working hours, escalations).

import { api } from "../api.js";
import { barChart } from "../charts.js";
import { h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { fill, time } from "../ui.js";

const pct = (share) => (share === null || share === undefined ? "—" : `${Math.round(share * 100)}%`);

export function render(main) {
  const region = h("div", {});
  replace(main, h("h1", {}, t("scorecards.title")), region);
  fill(region, () => api("/v1/scorecards"), (cards) => {
    const items = [...cards.items].sort((a, b) => (b.overdue_open - a.overdue_open) || (b.received - a.received));
    if (!items.length) return h("p", { class: "muted" }, t("scorecards.none"));
    const answered = items.filter((c) => c.answered > 0).slice(0, 15);
    const active = items.filter((c) => c.received > 0 || c.open > 0);
    const quiet = items.filter((c) => !(c.received > 0 || c.open > 0));
    const row = (c) => h("tr", {},
      h("th", { scope: "row" }, c.name || c.unit_code, h("div", { class: "muted" }, c.unit_code)),
      h("td", {}, c.received), h("td", {}, c.answered), h("td", {}, pct(c.on_time_share)),
      h("td", {}, c.median_response_hours === null ? "—" : c.median_response_hours.toFixed(1)),
      h("td", {}, c.escalated_away), h("td", {}, c.overdue_open), h("td", {}, c.open));
    const table = (rows) => h("div", { class: "table-wrap" }, h("table", {},
      h("caption", { class: "visually-hidden" }, t("scorecards.title")),
      h("thead", {}, h("tr", {}, ["scorecards.unit", "scorecards.received", "scorecards.answered", "scorecards.on_time", "scorecards.median", "scorecards.escalated", "scorecards.overdue", "scorecards.open"]
        .map((key) => h("th", { scope: "col" }, t(key))))),
      h("tbody", {}, rows.map(row))));
    return [
      h("p", { class: "muted" }, `${t("scorecards.computed")}: `, time(cards.computed_at)),
      answered.length ? barChart(answered.map((c) => ({ label: c.name || c.unit_code, value: Math.round((c.on_time_share || 0) * 100) })), {
        id: "scorecard-chart", title: t("scorecards.chart"), description: t("scorecards.chart_desc"), colour: "#1b6e34",
      }) : null,
      active.length ? table(active) : null,
      quiet.length ? (active.length
        ? h("details", {}, h("summary", {}, t("scorecards.show_all", { count: quiet.length })), table(quiet))
        : table(quiet)) : null,
    ];
  });
}
