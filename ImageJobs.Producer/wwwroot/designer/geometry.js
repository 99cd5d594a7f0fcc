// Box arithmetic for the designer, pure: boxes are in percent of the image (x, y the top-left).

/** The smallest box a drag can leave, in percent of the image. */
export const MIN_SIZE = 2;

const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
const round = (v) => Math.round(v * 100) / 100;

/** Keeps a box inside the image and no smaller than MIN_SIZE, rounded to 0.01 %. */
export function clampBox(box) {
  const width = clamp(box.width, MIN_SIZE, 100);
  const height = clamp(box.height, MIN_SIZE, 100);
  return { x: round(clamp(box.x, 0, 100 - width)), y: round(clamp(box.y, 0, 100 - height)), width: round(width), height: round(height) };
}

/**
 * The box after a drag of (dx, dy) percent on one of its handles: "move" for the whole box, or
 * the edges it names ("n", "se", ...). Edges a handle does not name stay where they are.
 */
export function dragBox(box, handle, dx, dy) {
  if (handle === "move") return clampBox({ ...box, x: box.x + dx, y: box.y + dy });
  let left = box.x, top = box.y, right = box.x + box.width, bottom = box.y + box.height;
  if (handle.includes("w")) left = clamp(left + dx, 0, right - MIN_SIZE);
  if (handle.includes("e")) right = clamp(right + dx, left + MIN_SIZE, 100);
  if (handle.includes("n")) top = clamp(top + dy, 0, bottom - MIN_SIZE);
  if (handle.includes("s")) bottom = clamp(bottom + dy, top + MIN_SIZE, 100);
  return clampBox({ x: left, y: top, width: right - left, height: bottom - top });
}

/** The image's lines a box snaps to: its edges and centre lines, across and down. */
const LINES = [0, 50, 100];

function snapAxis(start, size, moving, threshold) {
  // Which of the box's lines may move: for a move all three; for a resize only the dragged edge.
  const candidates = [];
  if (moving === "both" || moving === "start") candidates.push({ at: start, shift: (d) => ({ start: start + d, size: moving === "both" ? size : size - d }) });
  if (moving === "both") candidates.push({ at: start + size / 2, shift: (d) => ({ start: start + d, size }) });
  if (moving === "both" || moving === "end") candidates.push({ at: start + size, shift: (d) => ({ start: moving === "both" ? start + d : start, size: moving === "both" ? size : size + d }) });
  let best = null;
  for (const c of candidates) {
    for (const line of LINES) {
      const d = line - c.at;
      if (Math.abs(d) <= threshold && (best === null || Math.abs(d) < Math.abs(best.d))) best = { d, line, c };
    }
  }
  if (!best) return { start, size, guide: null };
  const shifted = best.c.shift(best.d);
  return { start: shifted.start, size: shifted.size, guide: best.line };
}

/**
 * A dragged box snapped to the image's edges and centre lines within `threshold` percent; the
 * guides say which lines it snapped to (null: none), for drawing them.
 */
export function snapBox(box, handle, threshold) {
  const across = handle === "move" ? "both" : handle.includes("w") ? "start" : handle.includes("e") ? "end" : null;
  const down = handle === "move" ? "both" : handle.includes("n") ? "start" : handle.includes("s") ? "end" : null;
  const x = across ? snapAxis(box.x, box.width, across, threshold) : { start: box.x, size: box.width, guide: null };
  const y = down ? snapAxis(box.y, box.height, down, threshold) : { start: box.y, size: box.height, guide: null };
  return { box: clampBox({ x: x.start, y: y.start, width: x.size, height: y.size }), guides: { x: x.guide, y: y.guide } };
}

/** The manifest columns a field names as {column}: not {name} {stem} {index} {meta:key}; {{ and }} are literal braces. */
export function placeholders(text) {
  const names = new Set();
  const builtIn = new Set(["name", "stem", "index"]);
  for (const m of String(text ?? "").replaceAll("{{", "").replaceAll("}}", "").matchAll(/\{([^{}]+)\}/g)) {
    if (!builtIn.has(m[1]) && !m[1].startsWith("meta:")) names.add(m[1]);
  }
  return names;
}
