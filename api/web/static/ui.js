// The page's two message areas: a polite status line and an alert for errors.
import { ApiError } from "./api.js";
import { $ } from "./dom.js";
import { t } from "./i18n.js";

export function say(message) {
  $("#status").textContent = message;
}

/** Show an error: a message string, or an ApiError turned into words (known codes translated). */
export function fail(error) {
  const alert = $("#alert");
  alert.hidden = false;
  alert.textContent = typeof error === "string" ? error : describe(error);
}

export function clearAlert() {
  $("#alert").hidden = true;
  $("#alert").textContent = "";
}

export function describe(error) {
  if (!(error instanceof ApiError)) return t("error", { detail: String(error && error.message ? error.message : error) });
  if (error.code === "network") return t("network");
  const known = t("code_" + error.code);
  return known !== "code_" + error.code ? known : t("error", { detail: error.detail });
}
