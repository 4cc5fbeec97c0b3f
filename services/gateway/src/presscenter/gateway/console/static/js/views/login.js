import { login } from "../api.js";
import { field, h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { actionForm, announce } from "../ui.js";

export function render(main, { onSignedIn }) {
  const username = h("input", { name: "username", autocomplete: "username", required: true, maxlength: 256 });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true, maxlength: 1024 });
  const form = actionForm({ "aria-labelledby": "login-title" }, [field(t("login.username"), username), field(t("login.password"), password)],
    t("login.submit"), async () => {
      await login(username.value.trim(), password.value);
      announce(t("login.welcome"));
      onSignedIn();
    });
  replace(main, h("section", { class: "card login" }, h("h1", { id: "login-title" }, t("login.title")), h("p", { class: "muted" }, t("login.intro")), form));
  username.focus();
}
