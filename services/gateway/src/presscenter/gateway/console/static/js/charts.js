// Inline SVG charts (no library): a line chart of one or more series over time, with an accessible
// title/description and a data table fallback for screen readers built by the caller.

import { svg } from "./dom.js";

const W = 640;
const H = 240;
const PAD = { left: 40, right: 12, top: 12, bottom: 28 };

/** An axis top that splits evenly in two: 2, 4, 6 … 10, 20, 40, 60 … */
function niceMax(value) {
  if (value <= 2) return 2;
  const step = value <= 10 ? 2 : 10 ** Math.floor(Math.log10(value)) * 2;
  return Math.ceil(value / step) * step;
}

/**
 * series: [{ name, colour, points: [[Date|string, number], ...] }]
 * Returns an <svg role="img"> with <title> and <desc>.
 */
export function lineChart(series, { title, description, id, empty = "" }) {
  const all = series.flatMap((s) => s.points.map(([x, y]) => [new Date(x).getTime(), y]));
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-labelledby": `${id}-t ${id}-d`, id },
    svg("title", { id: `${id}-t` }, title), svg("desc", { id: `${id}-d` }, description));
  if (!all.length) {
    root.append(svg("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, empty));
    return root;
  }
  const xs = all.map(([x]) => x);
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs) === x0 ? x0 + 1 : Math.max(...xs);
  const yMax = niceMax(Math.max(...all.map(([, y]) => y)));
  const sx = (x) => PAD.left + ((x - x0) / (x1 - x0)) * (W - PAD.left - PAD.right);
  const sy = (y) => H - PAD.bottom - (y / yMax) * (H - PAD.top - PAD.bottom);
  // axes and gridlines
  for (const fraction of [0, 0.5, 1]) {
    const y = sy(yMax * fraction);
    root.append(svg("line", { x1: PAD.left, x2: W - PAD.right, y1: y, y2: y, stroke: "#d5dbe2" }),
      svg("text", { x: PAD.left - 6, y: y + 4, "text-anchor": "end" }, Math.round(yMax * fraction)));
  }
  const label = (t) => new Date(t).toLocaleString(undefined, { timeZone: "Asia/Ho_Chi_Minh", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });
  root.append(svg("text", { x: PAD.left, y: H - 8 }, label(x0)), svg("text", { x: W - PAD.right, y: H - 8, "text-anchor": "end" }, label(x1)));
  for (const s of series) {
    const points = s.points.map(([x, y]) => [sx(new Date(x).getTime()), sy(y)]);
    if (!points.length) continue;
    root.append(svg("polyline", {
      points: points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" "),
      fill: "none", stroke: s.colour, "stroke-width": 2.5, "stroke-linejoin": "round", "data-series": s.name,
    }));
    for (const [x, y] of points) root.append(svg("circle", { cx: x.toFixed(1), cy: y.toFixed(1), r: 3, fill: s.colour }));
  }
  return root;
}

/** Horizontal bars: [{ label, value, expected }] (expected drawn as a tick). */
export function barChart(rows, { title, description, id, colour = "#0b5cad" }) {
  const rowH = 26;
  const height = PAD.top + rows.length * rowH + 8;
  const labelW = 190;
  const max = Math.max(1, ...rows.map((r) => Math.max(r.value, r.expected || 0)));
  const root = svg("svg", { viewBox: `0 0 ${W} ${height}`, class: "chart", role: "img", "aria-labelledby": `${id}-t ${id}-d`, id },
    svg("title", { id: `${id}-t` }, title), svg("desc", { id: `${id}-d` }, description));
  rows.forEach((row, i) => {
    const y = PAD.top + i * rowH;
    const width = ((W - labelW - 50) * row.value) / max;
    root.append(
      svg("text", { x: labelW - 6, y: y + 15, "text-anchor": "end" }, row.label.length > 28 ? `${row.label.slice(0, 27)}…` : row.label),
      svg("rect", { x: labelW, y: y + 3, width: Math.max(1, width).toFixed(1), height: rowH - 8, fill: colour, rx: 2 }),
      svg("text", { x: labelW + width + 4, y: y + 15 }, row.value));
    if (row.expected !== undefined) {
      const ex = labelW + ((W - labelW - 50) * row.expected) / max;
      root.append(svg("line", { x1: ex, x2: ex, y1: y + 1, y2: y + rowH - 3, stroke: "#1b1f24", "stroke-width": 2, "stroke-dasharray": "3 2" }));
    }
  });
  return root;
}
