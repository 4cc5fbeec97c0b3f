// The monitoring desk: trends (volume against the expected level), misinformation alerts, the claim
// registry and, for a chosen claim, the rumour-versus-refutation spread over time.

import { api } from "../api.js";
import { MONITORING_EVENTS, reloadOnStream } from "../stream.js";
import { barChart, lineChart } from "../charts.js";
import { field, h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { badge, errorText, fill, time } from "../ui.js";

const RUMOUR = "#b3261e";
const REFUTATION = "#1b6e34";

function trends(page) {
  const items = page.items.slice(0, 12);
  if (!items.length) return h("p", { class: "muted" }, t("monitoring.no_trends"));
  return [
    barChart(items.map((trend) => ({ label: trend.terms.join(" "), value: trend.volume, expected: trend.expected })), {
      id: "trend-chart", title: t("monitoring.trends"), description: t("monitoring.trend_desc"),
    }),
    h("p", { class: "legend" }, h("span", { class: "s-volume" }, t("monitoring.volume")), h("span", { class: "s-expected" }, t("monitoring.expected"))),
    h("details", {}, h("summary", {}, t("monitoring.as_table")), h("div", { class: "table-wrap" }, h("table", {},
      h("thead", {}, h("tr", {}, ["monitoring.terms", "monitoring.volume", "monitoring.expected", "monitoring.sources", "monitoring.detected"].map((k) => h("th", { scope: "col" }, t(k))))),
      h("tbody", {}, items.map((trend) => h("tr", {}, h("td", {}, trend.terms.join(", ")), h("td", {}, trend.volume),
        h("td", {}, trend.expected.toFixed(1)), h("td", {}, trend.distinct_sources), h("td", {}, time(trend.detected_at)))))))),
  ];
}

function alerts(page) {
  if (!page.items.length) return h("p", { class: "muted" }, t("monitoring.no_alerts"));
  return h("ol", { class: "list" }, page.items.map((alert) => h("li", {},
    h("strong", {}, alert.claim_text),
    h("div", { class: "muted" }, badge(alert.kind === "known_claim" ? "warning" : "overdue", t(`monitoring.kind.${alert.kind}`)),
      ` · ${alert.responsible_unit_code} · ${t("monitoring.score")} ${(alert.score * 100).toFixed(0)}% · ${alert.item_count} ${t("monitoring.items")} · `, time(alert.raised_at)),
    alert.release_id ? h("a", { href: `#/releases/${encodeURIComponent(alert.release_id)}` }, t("monitoring.release")) : null,
    alert.items.length ? h("details", {}, h("summary", {}, t("monitoring.examples")),
      h("ul", {}, alert.items.slice(0, 5).map((item) => h("li", {}, item.url ? h("a", { href: item.url, rel: "noopener noreferrer" }, item.title || item.url) : item.title || "")))) : null)));
}

function spread(data) {
  const points = data.points;
  const chart = lineChart([
    { name: "rumour", colour: RUMOUR, points: points.map((p) => [p.start, p.rumour_items]) },
    { name: "refutation", colour: REFUTATION, points: points.map((p) => [p.start, p.refutation_items]) },
  ], {
    id: "spread-chart", title: t("monitoring.spread_title"),
    description: t("monitoring.spread_desc", { rumour: data.rumour_items, refutation: data.refutation_items }),
    empty: t("monitoring.no_items"),
  });
  return [
    h("p", { class: "legend" }, h("span", { class: "s-rumour" }, `${t("monitoring.rumour")} (${data.rumour_items})`),
      h("span", { class: "s-refutation" }, `${t("monitoring.refutation")} (${data.refutation_items})`)),
    chart,
    h("p", { class: "muted" },
      data.first_rumour_at ? [`${t("monitoring.first_rumour")}: `, time(data.first_rumour_at), " · "] : null,
      data.first_refutation_at ? [`${t("monitoring.first_refutation")}: `, time(data.first_refutation_at), " · "] : null,
      `${t("monitoring.velocity")}: ${data.rumour_velocity_per_hour.toFixed(1)}/h`),
    data.cascades.length ? h("details", {}, h("summary", {}, t("monitoring.cascades")),
      h("ul", {}, data.cascades.map((c) => h("li", {}, `${c.root_url} — ${c.items} ${t("monitoring.items")}, ${t("monitoring.depth")} ${c.depth}`)))) : null,
  ];
}

export function render(main) {
  const trendRegion = h("div", {});
  const alertRegion = h("div", {});
  const spreadRegion = h("div", { "aria-live": "polite" });
  const claimSelect = h("select", { name: "claim" }, h("option", { value: "" }, t("app.loading")));
  const bucket = h("select", { name: "bucket" }, [[60, "1 h"], [15, "15 min"], [360, "6 h"], [1440, "24 h"]].map(([v, l]) => h("option", { value: v }, l)));
  const showSpread = () => {
    if (!claimSelect.value) { replace(spreadRegion, h("p", { class: "muted" }, t("monitoring.pick_claim"))); return; }
    fill(spreadRegion, () => api(`/v1/monitoring/claims/${encodeURIComponent(claimSelect.value)}/spread`, { params: { bucket_minutes: bucket.value } }), spread);
  };
  claimSelect.addEventListener("change", showSpread);
  bucket.addEventListener("change", showSpread);

  replace(main,
    h("h1", {}, t("monitoring.title")),
    h("div", { class: "grid" },
      h("section", { class: "card" }, h("h2", {}, t("monitoring.trends")), trendRegion),
      h("section", { class: "card" }, h("h2", {}, t("monitoring.spread")),
        h("div", { class: "row" }, field(t("monitoring.claim"), claimSelect), field(t("monitoring.bucket"), bucket)), spreadRegion)),
    h("section", {}, h("h2", {}, t("monitoring.alerts")), alertRegion));

  const loadDesk = () => {
    fill(trendRegion, () => api("/v1/monitoring/trends", { params: { limit: 50 } }), trends);
    fill(alertRegion, () => api("/v1/monitoring/alerts", { params: { limit: 30 } }), alerts);
  };
  loadDesk();
  api("/v1/monitoring/claims", { params: { status: "active", limit: 200 } }).then((page) => {
    claimSelect.replaceChildren(h("option", { value: "" }, t("monitoring.pick_claim")),
      ...page.items.map((claim) => h("option", { value: claim.claim_id }, `${claim.text.slice(0, 80)} (${claim.spread_items}/${claim.refutation_items})`)));
    const busiest = [...page.items].sort((a, b) => b.spread_items - a.spread_items)[0];
    if (busiest) { claimSelect.value = busiest.claim_id; }
    showSpread();
  }).catch((error) => {
    claimSelect.replaceChildren(h("option", { value: "" }, "—"));
    replace(spreadRegion, h("p", { class: "error-text", role: "alert" }, errorText(error)));
  });
  return reloadOnStream(MONITORING_EVENTS, loadDesk); // new alerts and trends show at once
}

