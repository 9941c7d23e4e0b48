// Scan: pick or take a photo, upload it through a ticket, follow the SSE stages, show the guidance.
import { ApiError, call, followEvents, postForm, sleep } from "./api.js";
import { clearAlert, describe, fail, say } from "./ui.js";
import { $, clear, h } from "./dom.js";
import { t } from "./i18n.js";
import { renderItemGuide, renderNearbyButton } from "./guide.js";

const STAGES = ["upload", "queued", "analysing", "grounding", "done"];
let config = null;
let chosen = null;
let previewUrl = null;

function choose(file) {
  chosen = file || null;
  if (previewUrl) URL.revokeObjectURL(previewUrl);
  previewUrl = null;
  const preview = $("#preview");
  preview.hidden = true;
  if (!chosen) return;
  $("#picked").textContent = t("picked", { name: chosen.name });
  if (config.upload_types.includes(chosen.type)) {
    previewUrl = URL.createObjectURL(chosen);
    preview.src = previewUrl;
    preview.alt = chosen.name;
    preview.hidden = false;
  }
}

function setStage(stage) {
  const index = STAGES.indexOf(stage);
  const list = clear($("#stages"));
  STAGES.forEach((name, i) => {
    const mark = i < index || stage === "done" ? "✓" : i === index ? "…" : "";
    const li = h("li", { class: i < index || stage === "done" ? "past" : i === index ? "current" : "" }, `${t("stage_" + name)} ${mark}`);
    if (i === index) li.setAttribute("aria-current", "step");
    list.append(li);
  });
  $("#progress-bar").value = Math.max(0, index);
  $("#progress-label").textContent = t("stage_" + stage);
  $("#progress").dataset.stage = stage;
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

async function waitForResult(accepted) {
  const final = await followEvents(accepted.events_url, setStage);
  const path = new URL(accepted.result_url, location.href).pathname;
  for (let i = 0; i < 120; i++) {
    const scan = await call("GET", path);
    if (scan.status === "done" || scan.status === "failed") return scan;
    if (final !== "error" && final !== "timeout" && i === 0) setStage(scan.status);
    await sleep(1000);
  }
  throw new ApiError(0, "timeout", "the scan did not finish in time");
}

async function submit(event) {
  event.preventDefault();
  clearAlert();
  clear($("#result"));
  if (!chosen) return fail(t("need_photo"));
  if (!config.upload_types.includes(chosen.type)) return fail(t("not_image", { name: chosen.name }));
  if (chosen.size > config.upload_max_bytes) {
    const mb = (bytes) => (bytes / 1048576).toFixed(1);
    return fail(t("too_large", { size: mb(chosen.size), max: mb(config.upload_max_bytes) }));
  }
  const button = $("#scan-submit");
  button.disabled = true;
  $("#progress").hidden = false;
  setStage("upload");
  try {
    const ticket = await call("POST", "/uploads", { content_type: chosen.type });
    await postForm(ticket, chosen, (pct) => {
      $("#progress-label").textContent = t("uploading", { pct });
    });
    const body = { upload_key: ticket.key };
    const note = $("#note").value.trim();
    if (note) body.note = note;
    if ($("#use-location").checked) {
      const here = await locate();
      if (here) Object.assign(body, here);
    }
    const accepted = await call("POST", "/scans", body);
    setStage(accepted.status);
    const scan = await waitForResult(accepted);
    showScan(scan);
    say(scan.status === "done" ? t("stage_done") : t("stage_failed"));
  } catch (error) {
    $("#progress").hidden = true;
    fail(error);
  } finally {
    button.disabled = false;
  }
}

function itemTitle(item) {
  return item.kb_item_name || item.label || item.category_name || "?";
}

function renderQuestion(scan, index, item) {
  const q = item.question;
  if (!q || !q.answers || !q.answers.length) return null;
  const group = h("div", { class: "question", role: "group", "aria-label": q.text || "" });
  group.append(h("p", { class: "ask" }, q.text || ""), h("p", { class: "hint" }, t("question_help")));
  const row = h("div", { class: "answers" });
  for (const answer of q.answers) {
    const body = q.kind === "item" ? { item_index: index, item_id: answer.value } : { item_index: index, attribute: q.attribute, value: answer.value };
    row.append(
      h("button", { type: "button", class: "answer", onclick: () => answerScan(scan.id, body) },
        answer.label || answer.value, answer.bin ? h("span", { class: "hint" }, ` → ${answer.bin}`) : null),
    );
  }
  group.append(row);
  return group;
}

async function answerScan(scanId, body) {
  clearAlert();
  try {
    showScan(await call("POST", `/scans/${scanId}/answer`, body));
    say(t("thanks"));
  } catch (error) {
    fail(error);
  }
}

/** "This is wrong": search the knowledge base, then correct the scan with the chosen item. */
function renderCorrection(scan, index, item) {
  const box = h("div", { class: "correction" });
  const open = h("button", { type: "button", class: "link", "aria-expanded": "false" }, t("wrong"));
  const inputId = `wrong-${index}`;
  const input = h("input", { id: inputId, type: "search", maxlength: "100", required: true });
  const hits = h("ul", { class: "list" });
  const form = h("form", { class: "wrong-form", role: "search", hidden: true },
    h("label", { for: inputId }, t("wrong_label")),
    h("div", { class: "row" }, input, h("button", { type: "submit" }, t("search"))),
    hits);
  open.addEventListener("click", () => {
    form.hidden = !form.hidden;
    open.setAttribute("aria-expanded", String(!form.hidden));
    if (!form.hidden) input.focus();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(hits);
    try {
      const page = await call("GET", `/recycling/items?${new URLSearchParams({ q: input.value.trim(), limit: "8" })}`);
      if (!page.items.length) hits.append(h("li", { class: "hint" }, t("search_none", { q: input.value.trim() })));
      for (const hit of page.items) {
        hits.append(h("li", {}, h("button", { type: "button", class: "hit", onclick: () => correct(scan, index, item, hit) },
          h("strong", {}, hit.name_ko), " ", h("span", { class: "hint" }, hit.name_en), h("span", { class: "bin" }, `${t("choose")} →`))));
      }
    } catch (error) {
      fail(error);
    }
  });
  box.append(open, form);
  return box;
}

async function correct(scan, index, item, hit) {
  clearAlert();
  try {
    if ("status" in item) {
      // The grounding API (issue 14): re-grounds on the chosen item and answers the new result.
      showScan(await call("POST", `/scans/${scan.id}/answer`, { item_index: index, item_id: hit.id }));
    } else {
      await call("POST", `/scans/${scan.id}/feedback`, {
        correct: false, expected_category_id: hit.category_id, comment: `expected item: ${hit.id}`,
      });
      const detail = await call("GET", `/recycling/items/${encodeURIComponent(hit.id)}`);
      const fixed = { ...item, kb_item_id: detail.id, kb_item_name: detail.name_ko, category_id: detail.category_id,
        bin: detail.bin, steps: detail.steps, mistakes: detail.mistakes, source: detail.source,
        region_dependent: detail.region_dependent, confidence: null };
      const items = [...scan.result.items];
      items[index] = fixed;
      showScan({ ...scan, result: { ...scan.result, items } });
    }
    say(t("thanks"));
  } catch (error) {
    fail(error);
  }
}

export function showScan(scan) {
  const out = clear($("#result"));
  if (scan.status === "failed") {
    $("#progress").hidden = false;
    setStage("done");
    $("#progress-label").textContent = t("stage_failed");
    $("#progress").dataset.stage = "failed";
    const error = new ApiError(422, scan.failure ? scan.failure.code : "failed", scan.failure ? scan.failure.reason : "");
    out.append(h("p", { class: "alert", role: "alert" }, describe(error)));
    return;
  }
  if (!scan.result) return;
  $("#progress").hidden = false;
  setStage("done");
  out.append(h("h3", { class: "result-title", tabindex: "-1" }, t("result_title")));
  if (scan.result.coaching) out.append(h("p", { class: "coaching" }, scan.result.coaching));
  if (!scan.result.items.length) out.append(h("p", { class: "hint" }, t("no_items")));
  scan.result.items.forEach((item, index) => {
    const card = renderItemGuide({ ...item, title: itemTitle(item) });
    const question = renderQuestion(scan, index, item);
    if (question) card.insertBefore(question, card.children[item.hazard ? 2 : 1] || null);
    const own = item.nearby_points || (index === 0 ? scan.result.nearby_points : null);
    const preset = own && own.length && scan.lat !== null && scan.lat !== undefined ? { centre: { lat: scan.lat, lng: scan.lng }, points: own } : null;
    if (item.category_id) card.append(renderNearbyButton(config, item.category_id, preset));
    card.append(renderCorrection(scan, index, item));
    out.append(card);
  });
  out.querySelector(".result-title").focus();
}

export function initScan(webConfig) {
  config = webConfig;
  $("#note").maxLength = config.note_max_chars;
  for (const id of ["#camera", "#file"]) {
    $(id).addEventListener("change", (event) => choose(event.target.files[0]));
  }
  $("#scan-form").addEventListener("submit", submit);
}
