// One item's guidance card (hazard first) and the nearby points for its category.
import { call } from "./api.js";
import { clear, h } from "./dom.js";
import { lang, t } from "./i18n.js";
import { renderMap } from "./map.js";

export function renderItemGuide(item) {
  const card = h("article", { class: "card guide" });
  card.append(h("h3", {}, item.title));
  if (item.hazard) {
    card.append(h("p", { class: "hazard", role: "note" }, h("strong", {}, `⚠ ${t("hazard")}: `), item.hazard));
  }
  if (item.bin) card.append(h("p", { class: "where" }, h("span", { class: "label" }, t("where")), h("strong", {}, item.bin)));
  if (item.steps && item.steps.length) {
    card.append(h("h4", {}, t("steps")), h("ol", { class: "steps" }, item.steps.map((s) => h("li", {}, s))));
  }
  const mistakes = [...(item.common_mistake ? [item.common_mistake] : []), ...(item.mistakes || [])];
  const unique = [...new Set(mistakes)];
  if (unique.length) card.append(h("h4", {}, t("mistakes")), h("ul", { class: "mistakes" }, unique.map((m) => h("li", {}, m))));
  if (item.region_dependent) card.append(h("p", { class: "hint" }, t("region")));
  const meta = [];
  if (item.confidence !== undefined && item.confidence !== null) meta.push(t("confidence", { pct: Math.round(item.confidence * 100) }));
  if (item.source) meta.push(`${t("source")}: ${item.source}`);
  if (meta.length) card.append(h("p", { class: "hint source" }, meta.join(" · ")));
  return card;
}

function locate() {
  return new Promise((resolve) => {
    if (!navigator.geolocation) return resolve(null);
    navigator.geolocation.getCurrentPosition(
      (pos) => resolve({ lat: pos.coords.latitude, lng: pos.coords.longitude }),
      () => resolve(null),
      { timeout: 10000, maximumAge: 300000 },
    );
  });
}

function hoursText(point) {
  const parts = [];
  if (point.open_now === true) parts.push(t("open_now"));
  else if (point.open_now === false) parts.push(t("closed_now"));
  const hours = point.opening_hours;
  if (hours && Object.keys(hours).length) {
    const names = t("weekdays");
    const spans = Object.entries(hours).map(([day, ranges]) =>
      `${names[day] || day} ${ranges.length ? ranges.map((r) => r.join("–")).join(", ") : "×"}`);
    parts.push(spans.join(" · "));
  } else if (point.open_now === null || point.open_now === undefined) {
    parts.push(t("hours_unknown"));
  }
  return parts.join(" · ");
}

function kakaoLink(point) {
  if (point.place_url && point.place_url.startsWith("https://")) return point.place_url;
  return `https://map.kakao.com/link/map/${encodeURIComponent(point.name)},${point.lat},${point.lng}`;
}

export function renderPoints(config, centre, points) {
  const box = h("div", { class: "nearby" });
  if (config.map && centre && points.length) box.append(renderMap(config.map, centre, points));
  box.append(
    h("ol", { class: "points" },
      points.map((p) =>
        h("li", {},
          h("strong", {}, p.name),
          h("span", { class: "distance" }, t("distance", { m: Math.round(p.distance_m) })),
          h("br"),
          h("span", { class: "hint" }, p.road_address || p.lot_address || ""),
          h("br"),
          h("span", { class: "hint" }, hoursText(p)),
          h("br"),
          h("a", { href: kakaoLink(p), target: "_blank", rel: "noopener noreferrer" }, t("kakao_map"))))),
  );
  return box;
}

/** A button that finds points taking `categoryId` around the user (or shows `preset` points). */
export function renderNearbyButton(config, categoryId, preset) {
  const out = h("div", { class: "nearby-out", "aria-live": "polite" });
  const button = h("button", { type: "button", class: "secondary" }, t("nearby"));
  button.addEventListener("click", async () => {
    button.disabled = true;
    clear(out).append(h("p", { class: "hint" }, t("nearby_loading")));
    const here = preset ? preset.centre : await locate();
    if (!here) {
      clear(out).append(h("p", { class: "hint" }, t("nearby_noloc")));
      button.disabled = false;
      return;
    }
    try {
      let points = preset ? preset.points : null;
      if (!points) {
        const query = new URLSearchParams({ lat: here.lat, lng: here.lng, limit: "5" });
        if (categoryId) query.set("category", categoryId);
        const page = await call("GET", `/locations/nearby?${query}`);
        points = page.items;
      }
      clear(out);
      if (!points.length) out.append(h("p", { class: "hint" }, t("nearby_none")));
      else out.append(renderPoints(config, here, points));
    } catch (error) {
      clear(out).append(h("p", { class: "alert" }, error.detail || String(error)));
    }
    button.disabled = false;
  });
  return h("div", { class: "nearby-block", lang }, button, out);
}
