// The web client: login, scan (upload + live progress + guidance), search, nearby, history.
import { ApiError, call, whenSessionLost } from "./api.js";
import { $, clear, h } from "./dom.js";
import { lang, t, translatePage } from "./i18n.js";
import { clearAlert, fail, say } from "./ui.js";
import { initScan, showScan } from "./scan.js";
import { renderItemGuide, renderNearbyButton } from "./guide.js";

const state = { config: null, user: null, historyCursor: null };
const VIEWS = ["login", "scan", "search", "history"];

export function show(view) {
  for (const name of VIEWS) $(`#view-${name}`).hidden = name !== view;
  for (const button of document.querySelectorAll("#nav button")) {
    if (button.dataset.view === view) button.setAttribute("aria-current", "page");
    else button.removeAttribute("aria-current");
  }
  clearAlert();
  say("");
  if (view === "history") loadHistory(true);
  const heading = $(`#view-${view} h2`);
  heading.tabIndex = -1;
  heading.focus();
}

// --- login ----------------------------------------------------------------------------------
function renderLogin() {
  const providers = clear($("#providers"));
  for (const name of state.config.providers) {
    providers.append(
      h("button", { type: "button", class: `provider provider-${name}`, onclick: () => providerLogin(name) }, t(`provider_${name}`)),
    );
  }
  $("#dev-login").hidden = !state.config.dev_login;
  $("#no-login").hidden = state.config.dev_login || state.config.providers.length > 0;
  const error = new URLSearchParams(location.search).get("error");
  if (error) fail(new ApiError(401, error, error));
}

async function providerLogin(provider) {
  clearAlert();
  try {
    const query = new URLSearchParams({ frontend_origin: location.origin });
    const start = await call("GET", `/auth/${provider}/authorize?${query}`);
    location.assign(start.authorization_url);
  } catch (error) {
    fail(error);
  }
}

async function devLogin(event) {
  event.preventDefault();
  clearAlert();
  const nickname = $("#nickname").value.trim();
  try {
    await call("POST", "/auth/dev/token", { nickname, set_cookies: true });
  } catch (error) {
    return fail(error);
  }
  try {
    await signedIn();
  } catch (error) {
    // Logged in, yet the cookie did not come back: a Secure cookie on plain http (not localhost).
    fail(error instanceof ApiError && error.status === 401 ? t("cookies_refused") : error);
  }
}

async function signedIn() {
  state.user = await call("GET", "/users/me");
  $("#who-name").textContent = state.user.nickname;
  $("#who").hidden = false;
  $("#nav").hidden = false;
  if (location.search) history.replaceState(null, "", location.pathname);
  show("scan");
}

async function logout() {
  try {
    await call("POST", "/auth/logout", undefined, { retry: false });
  } catch {
    /* the cookies are cleared either way */
  }
  signedOut();
}

function signedOut() {
  state.user = null;
  $("#who").hidden = true;
  $("#nav").hidden = true;
  show("login");
  renderLogin();
}

// --- search ---------------------------------------------------------------------------------
async function search(event) {
  event.preventDefault();
  clearAlert();
  const q = $("#q").value.trim();
  const list = clear($("#search-results"));
  clear($("#item-detail"));
  try {
    const page = await call("GET", `/recycling/items?${new URLSearchParams({ q, limit: "20" })}`);
    $("#search-count").textContent = page.count ? t("search_count", { n: page.total }) : t("search_none", { q });
    for (const hit of page.items) {
      list.append(
        h("li", {},
          h("button", { type: "button", class: "hit", onclick: () => openItem(hit.id) },
            h("strong", {}, hit.name_ko), " ", h("span", { class: "hint" }, hit.name_en), h("span", { class: "bin" }, hit.bin))),
      );
    }
  } catch (error) {
    fail(error);
  }
}

export async function fetchItem(itemId) {
  return call("GET", `/recycling/items/${encodeURIComponent(itemId)}`);
}

async function openItem(itemId) {
  const target = clear($("#item-detail"));
  try {
    const item = await fetchItem(itemId);
    const card = renderItemGuide({
      title: item.name_ko + (item.name_en ? ` (${item.name_en})` : ""),
      bin: item.bin,
      steps: item.steps,
      mistakes: item.mistakes,
      source: item.source,
      region_dependent: item.region_dependent,
      category_id: item.category_id,
    });
    card.append(renderNearbyButton(state.config, item.category_id, null));
    target.append(card);
    card.querySelector("h3").tabIndex = -1;
    card.querySelector("h3").focus();
  } catch (error) {
    fail(error);
  }
}

// --- history --------------------------------------------------------------------------------
function renderStats(stats) {
  const box = clear($("#stats"));
  const top = stats.by_category.slice(0, 3).map((c) => `${(lang === "en" ? c.name_en : c.name_ko) || c.category_id} ${c.count}`);
  box.append(
    h("p", { class: "big" }, t("stats_total", { n: stats.total_scans })),
    h("p", {}, h("strong", {}, t("streak", { n: stats.streak.current })), " · ", t("streak_longest", { n: stats.streak.longest }),
      " · ", stats.streak.scanned_today ? t("scanned_today") : t("not_today")),
    top.length ? h("p", { class: "hint" }, `${t("top_categories")}: ${top.join(", ")}`) : null,
  );
}

function statusText(status) {
  if (status === "done") return t("status_done");
  if (status === "failed") return t("status_failed");
  return t("status_pending");
}

async function loadHistory(first) {
  const list = $("#history-list");
  clearAlert();
  try {
    if (first) {
      state.historyCursor = null;
      clear(list);
      renderStats(await call("GET", "/users/me/stats"));
    }
    const query = new URLSearchParams({ limit: "10" });
    if (state.historyCursor) query.set("cursor", state.historyCursor);
    const page = await call("GET", `/scans?${query}`);
    if (first && page.items.length === 0) list.append(h("li", { class: "hint" }, t("history_empty")));
    for (const scan of page.items) {
      const when = new Date(scan.created_at).toLocaleString(document.documentElement.lang, { dateStyle: "medium", timeStyle: "short" });
      list.append(
        h("li", { class: "scan-row" },
          h("span", {}, h("strong", {}, scan.top_label || scan.note || "—"), h("br"), h("span", { class: "hint" }, when)),
          h("span", { class: `badge badge-${scan.status}` }, statusText(scan.status)),
          h("button", { type: "button", onclick: () => openScan(scan.id), "aria-label": `${t("open_scan")}: ${scan.top_label || when}` }, t("open_scan"))),
      );
    }
    state.historyCursor = page.next_cursor;
    $("#history-more").hidden = !page.next_cursor;
  } catch (error) {
    fail(error);
  }
}

async function openScan(scanId) {
  try {
    const scan = await call("GET", `/scans/${scanId}`);
    show("scan");
    showScan(scan);
  } catch (error) {
    fail(error);
  }
}

// --- start ----------------------------------------------------------------------------------
async function start() {
  translatePage();
  for (const button of document.querySelectorAll("#nav button")) button.addEventListener("click", () => show(button.dataset.view));
  $("#dev-login").addEventListener("submit", devLogin);
  $("#logout").addEventListener("click", logout);
  $("#search-form").addEventListener("submit", search);
  $("#history-more").addEventListener("click", () => loadHistory(false));
  whenSessionLost(() => {
    if (state.user) {
      signedOut();
      fail(t("session_over"));
    }
  });
  try {
    state.config = await (await fetch("/web/config", { credentials: "same-origin" })).json();
  } catch {
    fail(new ApiError(0, "network", ""));
    return;
  }
  initScan(state.config);
  try {
    await signedIn();
  } catch {
    signedOut();
  }
  document.body.dataset.ready = "true";
}

start();
