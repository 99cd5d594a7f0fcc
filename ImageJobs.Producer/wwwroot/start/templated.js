// Start a batch from a stored template and a manifest: placeholders mapped to the manifest's
// columns, every row checked by the pre-flight report, a row's preview on a click, then one click
// to start. A plain module against the producer's own API (POST /api/batches/preflight/manifest,
// /api/preview, /api/batches/manifest); nothing from the network.
const $ = (id) => document.getElementById(id);
const builtIns = new Set(["name", "stem", "index"]);
let template = null;   // the stored version picked: { name, version, layers, output, outputName }
let columns = [];      // the manifest's columns, from its first line
let checked = false;   // a pre-flight of exactly these choices came back clean enough to start
let previewing = null; // the preview in flight, aborted by the next

function el(tag, props, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function problems(body) {
  if (!body) return "failed";
  const errors = body.errors ? Object.entries(body.errors).map(([k, v]) => `${k}: ${v.join("; ")}`) : [];
  return [body.title, ...errors].filter(Boolean).join("\n");
}

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
    const guess = columns.find((c) => c === key) ?? columns.find((c) => c.toLowerCase() === key.toLowerCase()) ?? "";
    const select = el("select", { "aria-label": `Column for {${key}}` }, el("option", { value: "", textContent: "(not mapped)" }),
      ...columns.filter((c) => !/^(image|source)$/i.test(c)).map((c) => el("option", { value: c, textContent: c })));
    select.dataset.placeholder = key;
    select.value = guess;
    select.addEventListener("change", changed);
    body.append(el("tr", {}, el("td", {}, el("code", { textContent: `{${key}}` })), el("td", {}, select)));
    if (!guess) unmapped.push(`{${key}}`);
  }
  $("tpl-unmapped").textContent = unmapped.length ? `Not mapped yet: ${unmapped.join(" ")}` : (template && columns.length ? "Every placeholder has a column." : "");
  $("tpl-unmapped").className = unmapped.length ? "bad" : "muted";
}

function changed() {
  checked = false;
  $("tpl-start").disabled = true;
  const unmapped = needed().filter((k) => !document.querySelector(`#tpl-mapping select[data-placeholder="${CSS.escape(k)}"]`)?.value);
  $("tpl-unmapped").textContent = unmapped.length ? `Not mapped yet: ${unmapped.map((k) => `{${k}}`).join(" ")}` : "Every placeholder has a column.";
  $("tpl-unmapped").className = unmapped.length ? "bad" : "muted";
}

function form() {
  const data = new FormData();
  data.append("manifest", $("tpl-manifest").files[0]);
  data.append("templateName", template.name);
  data.append("templateVersion", String(template.version));
  data.append("mapping", JSON.stringify(mapping()));
  return data;
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

function describe(layer) {
  const size = `${Math.round(layer.size)} px`;
  const what = { Fits: "fits", Shrinks: `shrinks to ${size} (of ${Math.round(layer.preferredSize)})`, Ellipsis: `is cut at ${size}`, Fails: "would fail" }[layer.outcome];
  const glyphs = layer.missingGlyphs.length ? `, no glyph for ${layer.missingGlyphs.join(" ")}` : "";
  return `${layer.layer} ${what}${glyphs}`;
}

async function check() {
  if (!template || !$("tpl-manifest").files[0]) { $("tpl-message").textContent = "Choose a template and a manifest first."; return; }
  $("tpl-message").textContent = "checking every row…";
  const response = await fetch("/api/batches/preflight/manifest?limit=1000", { method: "POST", body: form() });
  const body = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
  $("tpl-report").hidden = false;
  const list = $("tpl-rows");
  list.replaceChildren();
  if (!response.ok) {
    $("tpl-summary").textContent = problems(body);
    $("tpl-message").textContent = "the manifest cannot be started as it is";
    return;
  }
  const s = body.summary;
  $("tpl-summary").textContent = `${s.rows} rows: ${s.rowsWithProblems} to look at, ${s.rowsThatWouldFail} would fail.`
    + (body.nextOffset ? ` The first ${body.rows.length} are listed.` : "");
  for (const row of body.rows) {
    const where = row.line ? `line ${row.line}` : `row ${row.index + 1}`;
    const text = [...row.problems, ...row.layers.filter((l) => l.outcome !== "Fits" || l.missingGlyphs.length).map(describe)].join("; ");
    const button = el("button", { type: "button", className: "link", textContent: `${where}: ${text}` });
    button.addEventListener("click", () => preview(row, where));
    list.append(el("li", { className: row.wouldFail ? "bad" : "" }, button));
  }
  checked = true;
  $("tpl-start").disabled = false;
  $("tpl-message").textContent = s.rowsThatWouldFail ? `${s.rowsThatWouldFail} rows would fail if started` : "ready to start";
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
  const response = await fetch("/api/batches/manifest", { method: "POST", body: form(), headers: { "Idempotency-Key": crypto.randomUUID() } });
  const body = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
  $("tpl-message").textContent = response.ok ? `started ${body.batchId}` : problems(body);
  if (!response.ok) $("tpl-start").disabled = false;
}

$("tpl-name").addEventListener("change", pickTemplate);
$("tpl-manifest").addEventListener("change", pickManifest);
$("tpl-check").addEventListener("click", check);
$("tpl-start").addEventListener("click", start);
loadTemplates();
