// The template designer: layers' boxes over a real image, dragged with a mouse, a finger or the
// arrow keys, each layer's fields in a side panel, and the real engine's preview of one row.
import { dragBox, snapBox, placeholders } from "./geometry.js";
import { KINDS, FIELDS, newLayer, duplicateLayer, read, write } from "./layers.js";
import { $, el, api, problems } from "../page.js";

const HANDLES = ["nw", "n", "ne", "e", "se", "s", "sw", "w"];
// Snapping distance, in percent of the image.
const SNAP = 1.5;

const state = {
  layers: [newLayer("text", [])],
  selected: 0,
  source: null, // { name, url }
  values: {}, // the row previewed: column -> value
  saved: null, // { name, version } of the template last loaded or saved
  // What a loaded template has besides layers (its output format, its result names): kept as it was.
  rest: {},
};

function selectedLayer() { return state.layers[state.selected] ?? null; }

function definition() { return { ...state.rest, layers: state.layers }; }

// ---- the stage: the image and a box per layer --------------------------------------------------

function placeBox(node, box) {
  // Through the CSSOM: the page's Content-Security-Policy allows no style attribute.
  node.style.left = `${box.x}%`;
  node.style.top = `${box.y}%`;
  node.style.width = `${box.width}%`;
  node.style.height = `${box.height}%`;
}

function drawBoxes(guides) {
  const nodes = state.layers.map((layer, i) => {
    const box = el("div", {
      className: `box kind-${layer.kind}${i === state.selected ? " selected" : ""}${layer.visible === false ? " hidden-layer" : ""}`,
      tabIndex: 0,
      role: "button",
      ariaLabel: `${layer.kind} layer ${layer.name}: arrow keys move it, with Shift by 5 %, with Alt resize it`,
    }, el("span", { className: "label", textContent: layer.name }));
    box.dataset.layer = layer.name;
    placeBox(box, layer.box);
    if (i === state.selected) {
      for (const h of HANDLES) {
        const handle = el("span", { className: `handle h-${h}` });
        handle.dataset.handle = h;
        box.append(handle);
      }
    }
    box.addEventListener("pointerdown", (e) => startDrag(e, i));
    box.addEventListener("keydown", (e) => nudge(e, i));
    box.addEventListener("focus", () => { if (state.selected !== i) select(i, true); });
    return box;
  });
  const guideX = el("div", { className: "guide guide-x", hidden: guides?.x == null });
  const guideY = el("div", { className: "guide guide-y", hidden: guides?.y == null });
  if (guides?.x != null) guideX.style.left = `${guides.x}%`;
  if (guides?.y != null) guideY.style.top = `${guides.y}%`;
  $("boxes").replaceChildren(...nodes, guideX, guideY);
}

function startDrag(event, index) {
  if (event.button !== 0) return;
  event.preventDefault();
  if (state.selected !== index) select(index, false);
  const handle = event.target.dataset.handle ?? "move";
  const stage = $("boxes").getBoundingClientRect();
  const start = { x: event.clientX, y: event.clientY, box: { ...state.layers[index].box } };
  const target = $("boxes");
  // Captured, a drag keeps its box when the pointer outruns it; a synthetic pointer cannot be.
  try { target.setPointerCapture(event.pointerId); } catch { /* not an active pointer */ }
  const move = (e) => {
    const dx = ((e.clientX - start.x) / stage.width) * 100;
    const dy = ((e.clientY - start.y) / stage.height) * 100;
    const snapped = snapBox(dragBox(start.box, handle, dx, dy), handle, e.altKey ? 0 : SNAP);
    state.layers[index].box = { unit: "Percent", ...snapped.box };
    drawBoxes(snapped.guides);
    drawBoxFields();
  };
  const end = () => {
    target.removeEventListener("pointermove", move);
    target.removeEventListener("pointerup", end);
    target.removeEventListener("pointercancel", end);
    drawBoxes(null);
    focusSelected();
    schedulePreview();
  };
  target.addEventListener("pointermove", move);
  target.addEventListener("pointerup", end);
  target.addEventListener("pointercancel", end);
}

function nudge(event, index) {
  const steps = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[event.key];
  if (!steps) return;
  event.preventDefault();
  const step = event.shiftKey ? 5 : 0.5;
  const [dx, dy] = [steps[0] * step, steps[1] * step];
  // Alt resizes from the bottom-right corner; otherwise the whole box moves.
  const box = dragBox(state.layers[index].box, event.altKey ? "se" : "move", dx, dy);
  state.layers[index].box = { unit: "Percent", ...box };
  drawBoxes(null);
  drawBoxFields();
  focusSelected();
  schedulePreview();
}

function focusSelected() {
  $("boxes").querySelector(".box.selected")?.focus({ preventScroll: true });
}

// ---- the layer list ------------------------------------------------------------------------------

function drawLayerList() {
  $("layer-list").replaceChildren(...state.layers.map((layer, i) => {
    const button = el("button", { type: "button", className: i === state.selected ? "selected" : "", textContent: `${layer.name} (${layer.kind})` });
    button.setAttribute("aria-pressed", String(i === state.selected));
    button.addEventListener("click", () => select(i, true));
    return el("li", {}, button);
  }));
  const none = state.selected === null;
  for (const id of ["duplicate-layer", "remove-layer", "layer-up", "layer-down"]) $(id).disabled = none;
}

function select(index, focus) {
  state.selected = index;
  drawAll();
  if (focus) focusSelected();
}

function changeLayers(mutate) {
  mutate(state.layers);
  drawAll();
  schedulePreview();
}

// ---- the side panel ------------------------------------------------------------------------------

let fieldId = 0;
function field(spec, layer) {
  const id = `field-${fieldId++}`;
  const value = read(layer, spec.path);
  const commit = (v) => { write(layer, spec.path, v); if (spec.path === "name") { drawBoxes(null); drawLayerList(); } drawValues(); schedulePreview(); };
  let input;
  if (spec.type === "select") {
    input = el("select", { id }, ...spec.options.map((o) => el("option", { value: o, textContent: o || "(default)" })));
    input.value = value ?? "";
    input.addEventListener("change", () => commit(input.value));
  } else if (spec.type === "checkbox") {
    input = el("input", { id, type: "checkbox", checked: value ?? (spec.path === "visible" || spec.path === "markup") });
    input.addEventListener("change", () => commit(input.checked));
  } else if (spec.type === "number") {
    input = el("input", { id, type: "number", min: spec.min, max: spec.max, step: spec.step, value: value ?? "" });
    input.addEventListener("input", () => commit(input.value === "" ? "" : Number(input.value)));
  } else if (spec.type === "color") {
    // A picker for the colour and a text field for the exact value, alpha included (#RRGGBBAA).
    const text = el("input", { id, value: value ?? "", placeholder: "(default)", pattern: "#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?" });
    const picker = el("input", { type: "color", value: /^#[0-9a-f]{6}/i.test(value ?? "") ? value.slice(0, 7) : "#000000", ariaLabel: `${spec.label} picker` });
    picker.addEventListener("input", () => { text.value = picker.value.toUpperCase() + text.value.slice(7, 9); commit(text.value); });
    text.addEventListener("input", () => { if (/^#[0-9a-f]{6}/i.test(text.value)) picker.value = text.value.slice(0, 7); commit(text.value.trim()); });
    return el("div", { className: "field color" }, el("label", { htmlFor: id, textContent: spec.label }), el("span", { className: "pair" }, picker, text));
  } else {
    input = el(spec.type === "textarea" ? "textarea" : "input", { id, value: value ?? "" });
    if (spec.type === "textarea") input.rows = 2;
    input.addEventListener("input", () => commit(input.value));
  }
  return el("div", { className: `field ${spec.type}` }, el("label", { htmlFor: id, textContent: spec.label }), input);
}

function drawBoxFields() {
  const layer = selectedLayer();
  if (!layer) return;
  for (const k of ["x", "y", "width", "height"]) {
    const input = $(`box-${k}`);
    if (input && document.activeElement !== input) input.value = layer.box[k];
  }
}

function drawPanel() {
  const layer = selectedLayer();
  $("panel-title").textContent = layer ? `Layer ${layer.name}` : "No layer selected";
  if (!layer) { $("fields").replaceChildren(); return; }
  const box = ["x", "y", "width", "height"].map((k) => {
    const input = el("input", { id: `box-${k}`, type: "number", min: 0, max: 100, step: 0.5, value: layer.box[k] });
    input.addEventListener("input", () => {
      if (input.value === "") return;
      layer.box = { unit: "Percent", ...dragBox({ ...layer.box, [k]: Number(input.value) }, "move", 0, 0) };
      drawBoxes(null);
      schedulePreview();
    });
    return el("div", { className: "field number" }, el("label", { htmlFor: input.id, textContent: `Box ${k} (%)` }), input);
  });
  $("fields").replaceChildren(el("div", { className: "box-fields" }, ...box), ...FIELDS[layer.kind].map((spec) => field(spec, layer)));
}

// ---- the row previewed: a value per column the layers name -----------------------------------------

function columns() {
  const names = new Set();
  for (const l of state.layers) for (const f of [l.text, l.value, l.imageName]) for (const c of placeholders(f)) names.add(c);
  return [...names];
}

// A column not given a value yet previews as its own name, so a new layer shows at once.
function rowValues() {
  return Object.fromEntries(columns().map((c) => [c, state.values[c] || c]));
}

function drawValues() {
  const cols = columns();
  $("values").replaceChildren(...cols.map((c) => {
    const input = el("input", { id: `value-${c}`, value: state.values[c] ?? "", placeholder: c });
    input.dataset.column = c;
    input.addEventListener("input", () => { state.values[c] = input.value; schedulePreview(); });
    return el("div", { className: "field" }, el("label", { htmlFor: input.id, textContent: `{${c}}` }), input);
  }));
  $("values-hint").hidden = cols.length > 0;
}

// ---- the background image -----------------------------------------------------------------------

async function listSources() {
  const prefix = $("source-prefix").value;
  const { ok, body } = await api(`/api/sources?prefix=${encodeURIComponent(prefix)}`);
  const list = ok ? body.slice(0, 200) : [];
  $("source").replaceChildren(...list.map((s) => el("option", { value: s.name, textContent: s.name })));
  $("source-message").textContent = ok ? `${body.length} under "${prefix}"` : problems(body);
  if (list.length && !list.some((s) => s.name === state.source?.name)) useSource(list[0]);
  $("source").onchange = () => useSource(list.find((s) => s.name === $("source").value));
}

function useSource(source) {
  state.source = source ?? null;
  if (source) { $("source").value = source.name; $("backdrop").src = source.url; }
  schedulePreview();
}

async function uploadBackground() {
  const file = $("source-upload").files[0];
  if (!file) return;
  const form = new FormData();
  form.append("files", file);
  $("source-message").textContent = "uploading…";
  const { ok, body } = await api(`/api/sources?prefix=${encodeURIComponent($("source-prefix").value)}`, { method: "POST", body: form });
  $("source-message").textContent = ok && body.uploaded?.length ? `stored ${body.uploaded[0].name}` : problems(body);
  await listSources();
  if (ok && body.uploaded?.length) {
    const list = await api(`/api/sources?prefix=${encodeURIComponent(body.uploaded[0].name)}`);
    if (list.ok && list.body.length) useSource(list.body[0]);
  }
}

// ---- the preview: the real engine, one row; a newer request aborts the one in flight -------------

let previewTimer = null;
let previewAbort = null;
function schedulePreview() {
  clearTimeout(previewTimer);
  // Said at once, so no one takes the image of the last change for this one while the timer runs.
  if (state.source) $("preview-message").textContent = "rendering…";
  previewTimer = setTimeout(preview, 300);
}

async function preview() {
  if (!state.source) { $("preview-message").textContent = "choose a background image"; return; }
  previewAbort?.abort();
  const abort = (previewAbort = new AbortController());
  $("preview-message").textContent = "rendering…";
  try {
    const response = await fetch("/api/preview", {
      method: "POST", headers: { "Content-Type": "application/json" }, signal: abort.signal,
      body: JSON.stringify({ source: state.source.name, template: definition(), values: rowValues() }),
    });
    if (response.status === 429) {
      const wait = Number(response.headers.get("retry-after")) || 1;
      setTimeout(() => { if (previewAbort === abort) preview(); }, wait * 1000);
      return;
    }
    if (!response.ok) {
      const body = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
      $("preview-message").textContent = problems(body);
      $("stage").classList.add("refused");
      return;
    }
    const old = $("backdrop").src;
    $("backdrop").src = URL.createObjectURL(await response.blob());
    if (old.startsWith("blob:")) URL.revokeObjectURL(old);
    $("stage").classList.remove("refused");
    $("preview-message").textContent = `${state.source.name}, rendered by the engine`;
  } catch {
    if (!abort.signal.aborted) $("preview-message").textContent = "preview failed; retrying on the next change";
  }
}

// ---- saving and loading through /api/templates -----------------------------------------------------

async function save() {
  const name = $("template-name").value.trim();
  if (!name) { $("save-message").textContent = "name the template first"; return; }
  const exists = (await api(`/api/templates/${encodeURIComponent(name)}`)).ok;
  const result = exists
    ? await api(`/api/templates/${encodeURIComponent(name)}`, { method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify(definition()) })
    : await api("/api/templates", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ name, ...definition() }) });
  if (result.ok) {
    state.saved = { name: result.body.name, version: result.body.version };
    $("save-message").textContent = `saved ${result.body.name} version ${result.body.version}`;
    listTemplates();
  } else {
    $("save-message").textContent = problems(result.body);
  }
}

async function listTemplates() {
  const { ok, body } = await api("/api/templates");
  const names = ok ? body.map((t) => t.name) : [];
  $("template-names").replaceChildren(...names.map((n) => el("option", { value: n })));
}

// The font list: the bundled families, then every uploaded family (a template may name either).
async function listFonts() {
  const { ok, body } = await api("/api/fonts");
  const uploaded = ok ? [...new Set(body.map((f) => f.family))] : [];
  FIELDS.text.find((f) => f.path === "style.fontFamily").options = ["", "Sans", "Serif", ...uploaded];
  drawPanel();
}

async function load() {
  const name = $("template-name").value.trim();
  const { ok, body } = await api(`/api/templates/${encodeURIComponent(name)}`);
  if (!ok) { $("save-message").textContent = problems(body) || `no template "${name}"`; return; }
  const { layers, name: _name, version: _version, savedAt: _savedAt, ...rest } = body;
  state.rest = rest;
  state.layers = layers.map((l) => ({ ...l, box: { unit: "Percent", x: 5, y: 5, width: 90, height: 90, ...l.box } }));
  state.selected = state.layers.length ? 0 : null;
  state.saved = { name: body.name, version: body.version };
  $("save-message").textContent = `loaded ${body.name} version ${body.version}`;
  drawAll();
  schedulePreview();
}

// ---- wiring --------------------------------------------------------------------------------------

function drawAll() {
  drawBoxes(null);
  drawLayerList();
  drawPanel();
  drawValues();
}

$("add-kind").replaceChildren(...KINDS.map((k) => el("option", { value: k, textContent: k })));
$("add-layer").addEventListener("click", () => changeLayers((ls) => { ls.push(newLayer($("add-kind").value, ls)); state.selected = ls.length - 1; }));
$("duplicate-layer").addEventListener("click", () => changeLayers((ls) => { ls.splice(state.selected + 1, 0, duplicateLayer(ls[state.selected], ls)); state.selected++; }));
$("remove-layer").addEventListener("click", () => changeLayers((ls) => { ls.splice(state.selected, 1); state.selected = ls.length ? Math.min(state.selected, ls.length - 1) : null; }));
// Layers draw first to last: "up" draws a layer later, above the one after it.
$("layer-up").addEventListener("click", () => changeLayers((ls) => { const i = state.selected; if (i < ls.length - 1) { [ls[i], ls[i + 1]] = [ls[i + 1], ls[i]]; state.selected = i + 1; } }));
$("layer-down").addEventListener("click", () => changeLayers((ls) => { const i = state.selected; if (i > 0) { [ls[i], ls[i - 1]] = [ls[i - 1], ls[i]]; state.selected = i - 1; } }));
$("show-boxes").addEventListener("change", () => $("stage").classList.toggle("no-boxes", !$("show-boxes").checked));
$("source-prefix").addEventListener("change", listSources);
$("source-upload").addEventListener("change", uploadBackground);
$("save").addEventListener("click", save);
$("load").addEventListener("click", load);
drawAll();
listSources();
listTemplates();
listFonts();
