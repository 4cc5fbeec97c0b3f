// The fields of a release's content (shared by drafting and correcting), and attachments upload.

import { api, putBytes } from "../api.js";
import { field, h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { announce, errorText } from "../ui.js";

const list = (value) => (value || "").split(",").map((part) => part.trim()).filter(Boolean);

export function contentFields(content = {}) {
  return [
    field(t("content.title"), h("input", { name: "title", required: true, maxlength: 500, value: content.title || "" })),
    field(t("content.lead"), h("textarea", { name: "lead", maxlength: 5000, rows: 3 }, content.lead || "")),
    field(t("content.body"), h("textarea", { name: "body", required: true, rows: 8 }, content.body || ""), t("content.body_hint")),
    h("div", { class: "row" },
      field(t("content.categories"), h("input", { name: "categories", value: (content.categories || []).join(", "), placeholder: "health, education" })),
      field(t("content.places"), h("input", { name: "places", value: (content.places || []).join(", "), placeholder: "phuong-hoan-kiem" })),
      field(t("content.language"), h("select", { name: "language" },
        ["vi", "en"].map((code) => h("option", { value: code, selected: (content.language || "vi") === code }, t(`lang.${code}`)))))),
  ];
}

/** The Content model from the form, keeping what the form does not show (contacts, English text ...). */
export function contentFrom(form, base = {}, mediaIds = null) {
  const value = (name) => form.elements[name].value.trim();
  return {
    ...base,
    title: value("title"),
    lead: value("lead"),
    body: value("body"),
    language: value("language"),
    categories: list(value("categories")),
    places: list(value("places")),
    media_asset_ids: mediaIds ?? base.media_asset_ids ?? [],
  };
}

/**
 * Upload one file as a media asset: POST /v1/media/uploads (the grant) → PUT the bytes to the
 * presigned URL (or each part's) → POST /v1/media/assets/{id}/complete. Returns the asset.
 */
export async function uploadFile(file, ownerUnitCode) {
  const grant = await api("/v1/media/uploads", {
    method: "POST",
    body: {
      filename: file.name,
      content_type: file.type || "application/octet-stream",
      size: file.size,
      owner_unit_code: ownerUnitCode || undefined,
      metadata: { title: file.name },
    },
  });
  if (grant.upload) {
    await putBytes(grant.upload, file);
  } else {
    for (const part of grant.parts) await putBytes(part.request, file.slice(part.offset, part.offset + part.size));
  }
  return api(`/v1/media/assets/${encodeURIComponent(grant.asset_id)}/complete`, { method: "POST", body: {} });
}

/** A file picker that uploads at once and lists the assets; `ids()` gives the ready ones. */
export function attachments(ownerUnitCode, initial = []) {
  const ids = [...initial];
  const listEl = h("ul", { class: "list", "aria-live": "polite" }, initial.map((id) => h("li", {}, id)));
  const input = h("input", { type: "file", multiple: true, accept: "image/*,video/*,application/pdf" });
  input.addEventListener("change", async () => {
    for (const file of input.files) {
      const row = h("li", {}, `${file.name} — ${t("media.uploading")}`);
      listEl.append(row);
      try {
        const asset = await uploadFile(file, ownerUnitCode());
        if (asset.status === "ready") ids.push(asset.id);
        replace(row, h("strong", {}, file.name), ` — ${t(`media.status.${asset.status}`)} (${asset.id})`,
          asset.rejection ? h("span", { class: "error-text" }, ` ${asset.rejection.reason}`) : null);
        row.dataset.assetId = asset.id;
        announce(`${file.name}: ${t(`media.status.${asset.status}`)}`, asset.status !== "ready");
      } catch (error) {
        replace(row, h("strong", {}, file.name), " — ", h("span", { class: "error-text" }, errorText(error)));
      }
    }
    input.value = "";
  });
  const element = h("fieldset", { class: "card" }, h("legend", {}, t("media.attachments")), field(t("media.add"), input, t("media.hint")), listEl);
  return { element, ids: () => [...ids] };
}
