// Start a batch from a stored template and a manifest or every image under a prefix: placeholders
// mapped to the manifest's columns (or to each image's own name, stem, index and metadata), every
// row checked by the pre-flight report, page by page, a row's preview on a click, then one click to
// start. A plain module against the producer's own API (/api/batches/preflight, /api/preview,
// /api/batches); nothing from the network.
import { $, el, problems } from "../page.js";

const builtIns = new Set(["name", "stem", "index"]);
// What an image under a prefix gives a placeholder: its own fields (metadata by the placeholder's name).
const prefixFields = (key) => ["name", "stem", "index", `meta:${key}`];
// Problem rows per page of the report (the API takes at most 1,000).
const PAGE = 200;
let template = null;   // the stored version picked: { name, version, layers, output, outputName }
let columns = [];      // the manifest's columns, from its first line
let checked = false;   // a pre-flight of exactly these choices came back clean enough to start
let previewing = null; // the preview in flight, aborted by the next
let offset = 0;        // the first problem row of the page shown

function fromPrefix() { return document.querySelector("input[name=tpl-mode]:checked").value === "prefix"; }

// The placeholders of a field ({{ and }} are literal braces), as the producer's FieldPattern reads them.
export function placeholders(text) {
  const keys = [];
  for (const match of String(text ?? "").replaceAll("{{", "").replaceAll("}}", "").matchAll(/\{([^{}]+)\}/g)) keys.push(match[1].trim());
  return keys;
}

export function columnsOf(firstLine, jsonLines) {
  if (jsonLines) {
    try { return Object.keys(JSON.parse(firstLine)); } catch { return []; }
  }
  // One CSV record's fields: quotes may hold commas and doubled quotes.
  const fields = [];
  let field = "", quoted = false;
  for (let i = 0; i < firstLine.length; i++) {
    const c = firstLine[i];
    if (quoted && c === '"' && firstLine[i + 1] === '"') { field += '"'; i++; }
    else if (c === '"' && (quoted || field === "")) quoted = !quoted;
    else if (c === "," && !quoted) { fields.push(field.trim()); field = ""; }
    else field += c;
  }
  fields.push(field.trim());
  return fields;
}

function needed() {
  if (!template) return [];
  const keys = template.layers.flatMap((l) => [l.text, l.value, l.imageName].flatMap(placeholders)).concat(placeholders(template.outputName));
  return [...new Set(keys)].filter((k) => !builtIns.has(k) && !k.startsWith("meta:"));
}

function mapping() {
  const map = {};
  for (const select of document.querySelectorAll("#tpl-mapping select")) {
    if (select.value && select.value !== select.dataset.placeholder) map[select.dataset.placeholder] = select.value;
  }
  return map;
}

function drawMapping() {
  const body = $("tpl-mapping").tBodies[0];
  body.replaceChildren();
  const unmapped = [];
  for (const key of needed()) {
    const choices = fromPrefix() ? prefixFields(key) : columns.filter((c) => !/^(image|source)$/i.test(c));
    const guess = fromPrefix() ? "" : columns.find((c) => c === key) ?? columns.find((c) => c.toLowerCase() === key.toLowerCase()) ?? "";
    const select = el("select", { "aria-label": `${fromPrefix() ? "Field" : "Column"} for {${key}}` }, el("option", { value: "", textContent: "(not mapped)" }),
      ...choices.map((c) => el("option", { value: c, textContent: c })));
    select.dataset.placeholder = key;
    select.value = guess;
    select.addEventListener("change", changed);
    body.append(el("tr", {}, el("td", {}, el("code", { textContent: `{${key}}` })), el("td", {}, select)));
    if (!guess) unmapped.push(`{${key}}`);
  }
  const ready = template && (fromPrefix() || columns.length);
  $("tpl-unmapped").textContent = unmapped.length ? `Not mapped yet: ${unmapped.join(" ")}` : (ready ? "Every placeholder has a column." : "");
  $("tpl-unmapped").className = unmapped.length ? "bad" : "muted";
}

function changed() {
  checked = false;
  offset = 0;
  $("tpl-start").disabled = true;
  const unmapped = needed().filter((k) => !document.querySelector(`#tpl-mapping select[data-placeholder="${CSS.escape(k)}"]`)?.value);
  $("tpl-unmapped").textContent = unmapped.length ? `Not mapped yet: ${unmapped.map((k) => `{${k}}`).join(" ")}` : "Every placeholder has a column.";
  $("tpl-unmapped").className = unmapped.length ? "bad" : "muted";
}

// The pre-flight's and the submission's request: the manifest's form, or a prefix submission's JSON.
function request(path) {
  if (fromPrefix()) {
    const body = { prefix: $("tpl-prefix").value, templateName: template.name, templateVersion: template.version, mapping: mapping() };
    return { path: `/api/batches${path}`, init: { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) } };
  }
  const data = new FormData();
  data.append("manifest", $("tpl-manifest").files[0]);
  data.append("templateName", template.name);
  data.append("templateVersion", String(template.version));
  data.append("mapping", JSON.stringify(mapping()));
  return { path: `/api/batches${path ? `${path}/manifest` : "/manifest"}`, init: { method: "POST", body: data } };
}

async function loadTemplates() {
  const response = await fetch("/api/templates?limit=500");
  if (!response.ok) return;
  const select = $("tpl-name");
  select.replaceChildren(el("option", { value: "", textContent: "(choose a template)" }),
    ...(await response.json()).map((t) => el("option", { value: t.name, textContent: `${t.name} (version ${t.version})` })));
}

async function pickTemplate() {
  template = null;
  const name = $("tpl-name").value;
  if (name) {
    const response = await fetch(`/api/templates/${encodeURIComponent(name)}`);
    if (response.ok) template = await response.json();
  }
  drawMapping();
  changed();
}

async function pickManifest() {
  const file = $("tpl-manifest").files[0];
  columns = [];
  if (file) {
    // The header is in the first few kilobytes: the file itself goes to the producer whole.
    const head = await file.slice(0, 64 * 1024).text();
    columns = columnsOf(head.replace(/^\uFEFF/, "").split(/\r?\n/)[0], /\.(jsonl|ndjson)$/i.test(file.name));
  }
  drawMapping();
  changed();
}

const rows = (n) => `${n} row${n === 1 ? "" : "s"}`;

function describe(layer) {
  const size = `${Math.round(layer.size)} px`;
  const what = { Fits: "fits", Shrinks: `shrinks to ${size} (of ${Math.round(layer.preferredSize)})`, Ellipsis: `is cut at ${size}`, Fails: "would fail" }[layer.outcome];
  const glyphs = layer.missingGlyphs.length ? `, no glyph for ${layer.missingGlyphs.join(" ")}` : "";
  return `${layer.layer} ${what}${glyphs}`;
}

async function check() {
  if (!template || (fromPrefix() ? !$("tpl-prefix").value : !$("tpl-manifest").files[0])) {
    $("tpl-message").textContent = `Choose a template and ${fromPrefix() ? "a prefix" : "a manifest"} first.`;
    return;
  }
  $("tpl-message").textContent = "checking every row…";
  const { path, init } = request("/preflight");
  const response = await fetch(`${path}?offset=${offset}&limit=${PAGE}`, init);
  const body = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
  $("tpl-report").hidden = false;
  const list = $("tpl-rows");
  list.replaceChildren();
  if (!response.ok) {
    $("tpl-summary").textContent = problems(body);
    $("tpl-pages").hidden = true;
    $("tpl-message").textContent = `the ${fromPrefix() ? "prefix" : "manifest"} cannot be started as it is`;
    return;
  }
  const s = body.summary;
  $("tpl-summary").textContent = `${rows(s.rows)}: ${s.rowsWithProblems} to look at, ${s.rowsThatWouldFail} would fail.`;
  for (const row of body.rows) {
    const where = row.line ? `line ${row.line}` : `row ${row.index + 1}`;
    const text = [...row.problems, ...row.layers.filter((l) => l.outcome !== "Fits" || l.missingGlyphs.length).map(describe)].join("; ");
    const button = el("button", { type: "button", className: "link", textContent: `${where}: ${text}` });
    button.addEventListener("click", () => preview(row, where));
    list.append(el("li", { className: row.wouldFail ? "bad" : "" }, button));
  }
  // The rows listed are numbered from the page's first, so the list reads on from page to page.
  list.start = body.offset + 1;
  $("tpl-pages").hidden = s.rowsWithProblems <= PAGE;
  $("tpl-page").textContent = body.rows.length ? `${body.offset + 1}–${body.offset + body.rows.length} of ${s.rowsWithProblems}` : "";
  $("tpl-previous").disabled = body.offset === 0;
  $("tpl-next").disabled = body.nextOffset == null;
  checked = true;
  $("tpl-start").disabled = false;
  $("tpl-message").textContent = s.rowsThatWouldFail ? `${rows(s.rowsThatWouldFail)} would fail if started` : "ready to start";
}

// Another page of the report: the pre-flight is asked again for it (the producer keeps no report).
function page(step) {
  offset = Math.max(0, offset + step * PAGE);
  check();
}

async function preview(row, where) {
  previewing?.abort();
  previewing = new AbortController();
  $("tpl-preview-caption").textContent = `${where}: rendering…`;
  try {
    const response = await fetch("/api/preview", {
      method: "POST", signal: previewing.signal, headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ source: row.source, template: { layers: template.layers, output: template.output }, values: row.values ?? {} }),
    });
    if (!response.ok) { $("tpl-preview-caption").textContent = `${where}: ${problems(await response.json().catch(() => null))}`; return; }
    const old = $("tpl-preview").src;
    $("tpl-preview").src = URL.createObjectURL(await response.blob());
    if (old.startsWith("blob:")) URL.revokeObjectURL(old);
    $("tpl-preview-caption").textContent = `${where}: ${row.source}`;
  } catch (e) {
    if (e.name !== "AbortError") $("tpl-preview-caption").textContent = `${where}: ${e.message}`;
  }
}

async function start() {
  if (!checked) return;
  $("tpl-start").disabled = true;
  $("tpl-message").textContent = "starting…";
  const { path, init } = request("");
  init.headers = { ...init.headers, "Idempotency-Key": crypto.randomUUID() };
  const response = await fetch(path, init);
  const body = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
  $("tpl-message").textContent = response.ok ? `started ${body.batchId} (${body.total} images)` : problems(body);
  if (!response.ok) $("tpl-start").disabled = false;
}

function pickMode() {
  document.querySelectorAll(".tpl-manifest-mode").forEach((node) => { node.hidden = fromPrefix(); });
  document.querySelectorAll(".tpl-prefix-mode").forEach((node) => { node.hidden = !fromPrefix(); });
  $("tpl-mapping").tHead.rows[0].cells[1].textContent = fromPrefix() ? "Field of each image" : "Manifest column";
  drawMapping();
  changed();
}

document.querySelectorAll("input[name=tpl-mode]").forEach((radio) => radio.addEventListener("change", pickMode));
$("tpl-name").addEventListener("change", pickTemplate);
$("tpl-manifest").addEventListener("change", pickManifest);
$("tpl-prefix").addEventListener("input", changed);
$("tpl-check").addEventListener("click", () => { offset = 0; check(); });
$("tpl-previous").addEventListener("click", () => page(-1));
$("tpl-next").addEventListener("click", () => page(1));
$("tpl-start").addEventListener("click", start);
loadTemplates();
