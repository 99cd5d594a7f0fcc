// The designer's template: layers in the JSON the producer takes (the job's wire template), with a
// default per kind and the fields the side panel edits.

const ANCHORS = ["TopLeft", "TopCenter", "TopRight", "MiddleLeft", "Center", "MiddleRight", "BottomLeft", "BottomCenter", "BottomRight"];

export const KINDS = ["text", "image", "qr", "barcode", "shape"];

const DEFAULTS = {
  text: () => ({ text: "{name}", markup: true, style: { fontSizeRatio: 0.08, color: "#FFFFFF", outlineColor: "#000000", autoFit: true } }),
  image: () => ({ imageName: "", fit: "Contain" }),
  qr: () => ({ value: "https://example.org/{id}", errorCorrection: "M", color: "#000000", background: "#FFFFFF" }),
  barcode: () => ({ value: "4006381333931", symbology: "Ean13", color: "#000000", background: "#FFFFFF" }),
  shape: () => ({ shape: "RoundedRectangle", fill: "#10203080", cornerRadius: 0.2 }),
};

const SIZES = { text: [10, 70, 80, 20], image: [5, 5, 20, 20], qr: [75, 5, 20, 20], barcode: [60, 75, 35, 20], shape: [0, 70, 100, 30] };

/** A new layer of a kind, named uniquely among `existing`. */
export function newLayer(kind, existing) {
  const taken = new Set(existing.map((l) => l.name));
  let n = 1;
  while (taken.has(`${kind}-${n}`)) n++;
  const [x, y, width, height] = SIZES[kind];
  return { kind, name: `${kind}-${n}`, box: { unit: "Percent", x, y, width, height }, anchor: "Center", opacity: 1, visible: true, ...DEFAULTS[kind]() };
}

/** A copy under a new name, nudged so it does not hide its original. */
export function duplicateLayer(layer, existing) {
  const copy = structuredClone(layer);
  const taken = new Set(existing.map((l) => l.name));
  let n = 2;
  while (taken.has(`${layer.name}-${n}`)) n++;
  copy.name = `${layer.name}-${n}`;
  copy.box = { ...copy.box, x: Math.min(copy.box.x + 2, 100 - copy.box.width), y: Math.min(copy.box.y + 2, 100 - copy.box.height) };
  return copy;
}

const common = [
  { path: "name", label: "Name", type: "text" },
  { path: "anchor", label: "Anchor", type: "select", options: ANCHORS },
  { path: "opacity", label: "Opacity", type: "number", min: 0, max: 1, step: 0.05 },
  { path: "visible", label: "Visible", type: "checkbox" },
];

const code = [
  { path: "value", label: "Value ({column} placeholders)", type: "text" },
  { path: "color", label: "Colour", type: "color" },
  { path: "background", label: "Background", type: "color" },
  { path: "quietZone", label: "Quiet zone (modules)", type: "number", min: 0, max: 40, step: 1 },
];

/** The side panel's fields per kind: a dotted path into the layer, a label, an input type. */
export const FIELDS = {
  text: [
    { path: "text", label: "Text ({column}, [b] [i] [s] [color=#hex] [size=1.2] [weight=300] [font=Family] spans)", type: "textarea" },
    { path: "markup", label: "Rich spans", type: "checkbox" },
    // The bundled families; the designer adds the uploaded ones (/api/fonts) when it starts.
    { path: "style.fontFamily", label: "Font", type: "select", options: ["", "Sans", "Serif"] },
    { path: "style.bold", label: "Bold", type: "checkbox" },
    { path: "style.fontWeight", label: "Weight (100-900, over Bold)", type: "number", min: 100, max: 900, step: 100 },
    { path: "style.italic", label: "Italic", type: "checkbox" },
    { path: "style.fontSizeRatio", label: "Size (of the image's shorter side)", type: "number", min: 0.01, max: 1, step: 0.01 },
    { path: "style.autoFit", label: "Shrink to fit", type: "checkbox" },
    { path: "style.minFontSizeRatio", label: "Smallest size", type: "number", min: 0.005, max: 1, step: 0.005 },
    { path: "style.color", label: "Colour", type: "color" },
    { path: "style.outlineColor", label: "Outline", type: "color" },
    { path: "style.outlineRatio", label: "Outline width (of the size)", type: "number", min: 0, max: 0.5, step: 0.01 },
    { path: "style.align", label: "Alignment", type: "select", options: ["", "Left", "Center", "Right"] },
    { path: "style.lineSpacing", label: "Line spacing", type: "number", min: 0.5, max: 3, step: 0.05 },
    { path: "style.maxLines", label: "Maximum lines", type: "number", min: 1, max: 100, step: 1 },
    { path: "style.letterSpacing", label: "Letter spacing (em)", type: "number", min: -0.2, max: 1, step: 0.01 },
    { path: "style.overflow", label: "When it does not fit", type: "select", options: ["", "Ellipsis", "Fail"] },
    { path: "style.shadow.color", label: "Shadow colour", type: "color" },
    { path: "style.shadow.offsetX", label: "Shadow x", type: "number", min: -0.2, max: 0.2, step: 0.005 },
    { path: "style.shadow.offsetY", label: "Shadow y", type: "number", min: -0.2, max: 0.2, step: 0.005 },
    { path: "style.shadow.blur", label: "Shadow blur", type: "number", min: 0, max: 0.2, step: 0.005 },
    { path: "style.background.color", label: "Text background", type: "color" },
    { path: "style.background.padding", label: "Background padding", type: "number", min: 0, max: 1, step: 0.05 },
    { path: "style.background.cornerRadius", label: "Background corners", type: "number", min: 0, max: 1, step: 0.05 },
    ...common,
  ],
  image: [
    { path: "imageName", label: "Picture (a source's name, or {column})", type: "text" },
    { path: "fit", label: "Fit", type: "select", options: ["Contain", "Cover", "Stretch"] },
    { path: "cornerRadius", label: "Corner radius", type: "number", min: 0, max: 0.5, step: 0.05 },
    ...common,
  ],
  qr: [...code.slice(0, 1), { path: "errorCorrection", label: "Error correction", type: "select", options: ["L", "M", "Q", "H"] }, ...code.slice(1), ...common],
  barcode: [...code.slice(0, 1), { path: "symbology", label: "Symbology", type: "select", options: ["Code128", "Ean13", "UpcA"] }, ...code.slice(1), ...common],
  shape: [
    { path: "shape", label: "Shape", type: "select", options: ["Rectangle", "RoundedRectangle"] },
    { path: "fill", label: "Fill", type: "color" },
    { path: "stroke", label: "Stroke", type: "color" },
    { path: "strokeWidth", label: "Stroke width", type: "number", min: 0, max: 0.5, step: 0.01 },
    { path: "cornerRadius", label: "Corner radius", type: "number", min: 0, max: 0.5, step: 0.05 },
    ...common,
  ],
};

export function read(layer, path) {
  return path.split(".").reduce((o, k) => (o == null ? undefined : o[k]), layer);
}

/** Sets a dotted path; an empty value removes the field (the renderer's default applies). */
export function write(layer, path, value) {
  const keys = path.split(".");
  let o = layer;
  for (const k of keys.slice(0, -1)) o = o[k] ??= {};
  const last = keys.at(-1);
  if (value === "" || value === null || value === undefined || Number.isNaN(value)) delete o[last];
  else o[last] = value;
}
