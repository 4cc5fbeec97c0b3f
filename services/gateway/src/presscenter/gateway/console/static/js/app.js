// The console's shell: session, role-based navigation, hash routes, the language toggle.
// The shell is in index.html and paints at once; each screen renders its frame first, then fills in
// data as it arrives (no blocking spinner).

import { api, hasSession, logout, onSession } from "./api.js";
import { h, replace } from "./dom.js";
import { getLang, setLang, t } from "./i18n.js";
import { announce } from "./ui.js";

const ROUTES = [
  // [pattern, module, roles (empty = any signed-in user)]
  [/^\/feed$/, "./views/feed.js", []],
  [/^\/releases\/([^/]+)$/, "./views/release.js", []],
  [/^\/questions$/, "./views/questions.js", []],
  [/^\/questions\/new$/, "./views/ask.js", ["journalist"]],
  [/^\/questions\/([^/]+)$/, "./views/question.js", []],
  [/^\/drafts$/, "./views/drafts.js", ["unit_officer", "editor", "admin"]],
  [/^\/approvals$/, "./views/approvals.js", ["editor", "admin"]],
  [/^\/escalations$/, "./views/escalations.js", ["editor", "admin"]],
  [/^\/monitoring$/, "./views/monitoring.js", ["editor", "admin"]],
  [/^\/scorecards$/, "./views/scorecards.js", ["unit_officer", "editor", "admin"]],
];

const NAV = [
  ["/feed", "nav.feed", []],
  ["/questions", "nav.questions", []],
  ["/questions/new", "nav.ask", ["journalist"]],
  ["/drafts", "nav.drafts", ["unit_officer", "editor", "admin"]],
  ["/approvals", "nav.approvals", ["editor", "admin"]],
  ["/escalations", "nav.escalations", ["editor", "admin"]],
  ["/monitoring", "nav.monitoring", ["editor", "admin"]],
  ["/scorecards", "nav.scorecards", ["unit_officer", "editor", "admin"]],
];

export const session = { me: null };
let current = null; // the mounted screen's cleanup
let routed = 0; // screens shown so far: focus moves to the new screen after the first
const main = document.getElementById("main");

function path() { return (location.hash || "#/feed").slice(1) || "/feed"; }
export function navigate(to) { location.hash = `#${to}`; }
export function allowed(roles) { return !roles.length || (session.me && roles.includes(session.me.role)); }

function renderChrome() {
  document.documentElement.lang = getLang();
  document.title = t("app.title");
  document.querySelector(".brand span").textContent = t("app.title");
  document.querySelector(".skip").textContent = t("app.skip");
  const nav = document.getElementById("nav");
  nav.setAttribute("aria-label", t("nav.label"));
  const here = path();
  replace(nav, session.me
    ? NAV.filter(([, , roles]) => allowed(roles)).map(([to, key]) =>
        h("a", { href: `#${to}`, "aria-current": here === to ? "page" : null }, t(key)))
    : []);
  const other = getLang() === "vi" ? "en" : "vi";
  replace(document.getElementById("tools"),
    session.me ? h("span", { class: "who" }, `${session.me.display_name || session.me.username || ""} · ${t(`role.${session.me.role}`)}`) : null,
    h("button", { type: "button", lang: other, onclick: () => { setLang(other); renderChrome(); route(); } },
      other === "en" ? "English" : "Tiếng Việt"),
    session.me ? h("button", { type: "button", onclick: () => logout() }, t("app.logout")) : null);
}

async function route() {
  if (current) { current(); current = null; }
  const here = path();
  if (!session.me) {
    const { render } = await import("./views/login.js");
    current = render(main, { onSignedIn: boot }) || null;
    renderChrome();
    return;
  }
  renderChrome();
  for (const [pattern, module, roles] of ROUTES) {
    const match = here.match(pattern);
    if (!match) continue;
    if (!allowed(roles)) break;
    const view = await import(module);
    if (path() !== here) return; // navigated away while loading
    current = view.render(main, { params: match.slice(1).map(decodeURIComponent), me: session.me }) || null;
    if (routed++) main.focus({ preventScroll: true });
    return;
  }
  replace(main, h("h1", {}, t("app.not_found")), h("p", {}, h("a", { href: "#/feed" }, t("nav.feed"))));
}

async function boot() {
  if (hasSession()) {
    try {
      session.me = await api("/v1/auth/me");
    } catch {
      session.me = null;
    }
  }
  route();
}

onSession((signedIn) => {
  if (!signedIn) { session.me = null; announce(t("app.signed_out")); route(); }
});
window.addEventListener("hashchange", route);
renderChrome();
boot();
