// A small slippy map: the tiles around the first point from the configured tile server, and one
// numbered marker per point (the numbers match the list). No library, no other origin.
import { h } from "./dom.js";
import { t } from "./i18n.js";

const TILE = 256;

function project(lat, lng, zoom) {
  const scale = TILE * 2 ** zoom;
  const sin = Math.sin((lat * Math.PI) / 180);
  return {
    x: ((lng + 180) / 360) * scale,
    y: (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * scale,
  };
}

function zoomFor(points, centre, width, height) {
  for (let zoom = 17; zoom > 10; zoom--) {
    const c = project(centre.lat, centre.lng, zoom);
    const fits = points.every((p) => {
      const q = project(p.lat, p.lng, zoom);
      return Math.abs(q.x - c.x) < width / 2 - 16 && Math.abs(q.y - c.y) < height / 2 - 16;
    });
    if (fits) return zoom;
  }
  return 11;
}

export function renderMap(config, centre, points) {
  const width = 320;
  const height = 220;
  const zoom = zoomFor(points, centre, width, height);
  const c = project(centre.lat, centre.lng, zoom);
  const left = c.x - width / 2;
  const top = c.y - height / 2;
  const box = h("div", { class: "map", role: "img", "aria-label": t("map_label") });
  const failed = h("p", { class: "hint", hidden: true }, t("map_failed"));
  const n = 2 ** zoom;
  for (let tx = Math.floor(left / TILE); tx <= Math.floor((left + width) / TILE); tx++) {
    for (let ty = Math.floor(top / TILE); ty <= Math.floor((top + height) / TILE); ty++) {
      if (ty < 0 || ty >= n) continue;
      const x = ((tx % n) + n) % n;
      const src = config.tile_url.replace("{z}", zoom).replace("{x}", x).replace("{y}", ty).replace("{s}", "a");
      const img = h("img", { class: "tile", src, alt: "", width: TILE, height: TILE, draggable: "false" });
      img.style.left = `${tx * TILE - left}px`;
      img.style.top = `${ty * TILE - top}px`;
      img.addEventListener("error", () => {
        box.hidden = true;
        failed.hidden = false;
      });
      box.append(img);
    }
  }
  const here = h("span", { class: "here", "aria-hidden": "true" });
  here.style.left = `${width / 2}px`;
  here.style.top = `${height / 2}px`;
  box.append(here);
  points.forEach((p, i) => {
    const q = project(p.lat, p.lng, zoom);
    const marker = h("span", { class: "marker", "aria-hidden": "true" }, String(i + 1));
    marker.style.left = `${q.x - left}px`;
    marker.style.top = `${q.y - top}px`;
    box.append(marker);
  });
  return h("figure", { class: "map-wrap" }, box, failed, h("figcaption", { class: "hint" }, config.attribution));
}
