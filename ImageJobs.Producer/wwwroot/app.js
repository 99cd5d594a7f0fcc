// The batches page: plain JavaScript against the producer's own API, nothing from the network.
import { $, el, api, problems } from "./page.js";

let selected = null;
// How many of the selected batch's jobs had ended when its detail was last drawn: the detail
// (failures, result thumbnails) is fetched again only when that changes.
let detailEnded = null;

function mode() { return document.querySelector("input[name=mode]:checked").value; }

function style() {
  return { color: $("color").value.toUpperCase(), outlineColor: $("outline").value.toUpperCase(), fontSizeRatio: Number($("size").value) };
}

function seconds(s) {
  if (s === null || s === undefined) return "–";
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

// Jobs that have ended: succeeded, failed or cancelled.
function ended(b) { return b.succeeded + b.failed + (b.cancelled ?? 0); }

// What the batch is doing, when it is not simply running or done.
const stateLabels = { paused: "paused", cancelling: "cancelling", cancelled: "cancelled" };

function renderBatch(b) {
  const done = ended(b);
  const percent = b.total ? Math.floor((100 * done) / b.total) : 100;
  const li = el("li", { className: b.batchId === selected ? "selected" : "" });
  li.dataset.batch = b.batchId;
  li.dataset.percent = String(percent);
  li.dataset.inFlight = String(b.inFlight);
  li.dataset.state = b.state ?? "running";
  // Widths through the CSSOM: the page's Content-Security-Policy allows no style attribute.
  const segment = (className, n) => {
    const span = el("span", { className });
    span.style.width = `${(100 * n) / Math.max(1, b.total)}%`;
    return span;
  };
  const bar = el("div", { className: "bar", title: `${percent}%` },
    segment("ok", b.succeeded), segment("bad", b.failed), segment("cancel", b.cancelled ?? 0), segment("busy", b.inFlight),
    segment("retry", b.retrying), segment("held", b.held ?? 0));
  const counts = [`${b.succeeded} ok`, `${b.failed} failed`];
  if (b.cancelled) counts.push(`${b.cancelled} cancelled`);
  if (!b.done) counts.push(`${b.inFlight} in flight`, `${b.retrying} retrying`);
  if (b.held) counts.push(`${b.held} held`);
  if (!b.done) counts.push(`${b.pending - b.inFlight - b.retrying - (b.held ?? 0)} queued`);
  const label = stateLabels[b.state];
  const pace = b.done ? (label ?? "done") : label ?? `${b.perSecond ?? 0}/s · ETA ${seconds(b.etaSeconds)}`;
  li.append(
    el("div", { className: "row" }, el("span", { className: "id", textContent: b.batchId }),
      el("span", {}, label ? el("span", { className: `state ${b.state}`, textContent: label }) : "", el("strong", { className: "percent", textContent: ` ${percent}%` }))),
    bar,
    el("div", { className: "row muted" },
      el("span", { className: "counts", textContent: `${counts.join(" · ")} of ${b.total}` }),
      el("span", { className: "pace", textContent: pace })));
  if (b.damage) li.append(el("div", { className: "row damaged", textContent: `damaged: ${b.damage}` }));
  li.addEventListener("click", () => { selected = b.batchId; detailEnded = done; showControls(b); showDetail(b.batchId); refresh(); });
  return li;
}

// Pause, Resume and Cancel, as the selected batch's state allows.
function showControls(b) {
  const state = b?.state ?? "running";
  const open = b && !b.done && state !== "cancelling";
  $("pause-batch").disabled = !open || state === "paused";
  $("resume-batch").disabled = !open || state !== "paused";
  $("cancel-batch").disabled = !open;
}

async function control(action) {
  if (!selected) return;
  if (action === "cancel" && !confirm(`Cancel batch ${selected}? Its jobs not yet rendered will not be rendered.`)) return;
  $("control-message").textContent = `${action}…`;
  const { ok, body } = await api(`/api/batches/${encodeURIComponent(selected)}/${action}`, { method: "POST" });
  $("control-message").textContent = ok ? `${body.state}` : problems(body);
  if (ok) showControls(body);
  refresh();
}

async function refresh() {
  try {
    const { ok, body } = await api("/api/batches");
    if (!ok) throw new Error();
    $("batches").replaceChildren(...body.slice(0, 30).map(renderBatch));
    $("status").textContent = `${body.length} ${body.length === 1 ? "batch" : "batches"} · updated ${new Date().toLocaleTimeString()}`;
    // Drawn again as jobs end, the last time when the batch is done; not at all once it is.
    const shown = body.find((b) => b.batchId === selected);
    if (shown) showControls(shown);
    if (shown && ended(shown) !== detailEnded) {
      detailEnded = ended(shown);
      showDetail(selected);
    } else if (shown) {
      // Deliveries go on after the last job ends (retries, for up to a day).
      api(`/api/batches/${encodeURIComponent(selected)}/webhooks`).then((w) => showWebhooks(w.body));
    }
  } catch {
    $("status").textContent = "producer unreachable; retrying";
  }
}

async function showDetail(batchId) {
  $("detail").hidden = false;
  $("detail-title").textContent = `Batch ${batchId}`;
  $("zip-link").href = `/api/batches/${encodeURIComponent(batchId)}/results.zip`;
  const [failures, results, webhooks] = await Promise.all([
    api(`/api/batches/${encodeURIComponent(batchId)}/failures`),
    api(`/api/batches/${encodeURIComponent(batchId)}/results`),
    api(`/api/batches/${encodeURIComponent(batchId)}/webhooks`)]);
  showWebhooks(webhooks.body);
  $("failures").replaceChildren(...(failures.body ?? []).map((f) =>
    el("li", {}, el("span", { className: "id", textContent: f.jobId + " " }), el("code", { textContent: f.errorCode ?? "" }), " " + (f.error ?? ""))));
  if (!failures.body?.length) $("failures").replaceChildren(el("li", { className: "muted", textContent: "none" }));
  $("results").replaceChildren(...(results.body ?? []).slice(0, 200).map((r) =>
    el("a", { href: r.url, target: "_blank", title: `${r.name} (${r.bytes} bytes)` },
      el("img", { src: r.url, loading: "lazy", alt: r.name }), r.name.split("/").pop())));
}

// Each event with its state and every attempt (time, status or error).
function showWebhooks(w) {
  $("webhook-url").textContent = w?.url ? `→ ${w.url}` : "";
  const events = w?.events ?? [];
  $("webhooks").replaceChildren(...events.map((e) => {
    const last = e.attempts.at(-1);
    const next = e.nextAttemptAt ? ` · next attempt ${new Date(e.nextAttemptAt).toLocaleTimeString()}` : "";
    return el("li", { className: "webhook" },
      el("span", { className: "id", textContent: `${e.type} ` }), el("code", { textContent: e.state }),
      ` ${e.attemptCount} ${e.attemptCount === 1 ? "attempt" : "attempts"}${next}`,
      el("ul", {}, ...e.attempts.map((a) => el("li", { className: "muted",
        textContent: `${new Date(a.at).toLocaleTimeString()} ${a.status ?? "-"} ${a.error ?? "ok"} (${a.durationMs} ms)` }))),
      last ? "" : el("span", { className: "muted", textContent: " not attempted yet" }));
  }));
  if (!events.length) $("webhooks").replaceChildren(el("li", { className: "muted", textContent: w?.url ? "no event yet" : "no callback" }));
}

// The Idempotency-Key of the submission not yet answered (null: none).
let submissionKey = null;

function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return "page-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function submitBatch(event) {
  event.preventDefault();
  $("form-message").textContent = "submitting…";
  let result;
  // One key per submission, kept until it is answered: sent again after a lost answer, it names the same batch.
  submissionKey ??= newKey();
  if (mode() === "prefix") {
    result = await api("/api/batches", {
      method: "POST", headers: { "Content-Type": "application/json", "Idempotency-Key": submissionKey },
      body: JSON.stringify({ prefix: $("prefix").value, template: $("template").value, style: style() }),
    });
  } else {
    const file = $("manifest").files[0];
    if (!file) { $("form-message").textContent = "choose a manifest file"; return; }
    const form = new FormData();
    form.append("manifest", file);
    form.append("style", JSON.stringify(style()));
    result = await api("/api/batches/manifest", { method: "POST", headers: { "Idempotency-Key": submissionKey }, body: form });
  }
  if (result.status < 500) submissionKey = null;
  if (result.ok) {
    selected = result.body.batchId;
    detailEnded = null;
    $("form-message").textContent = `started ${result.body.batchId} (${result.body.total} images)`;
    refresh();
  } else {
    $("form-message").textContent = problems(result.body);
  }
}

async function upload() {
  const files = $("upload").files;
  if (!files.length) return;
  const form = new FormData();
  for (const file of files) form.append("files", file);
  $("upload-message").textContent = "uploading…";
  const { ok, body } = await api(`/api/sources?prefix=${encodeURIComponent($("prefix").value)}`, { method: "POST", body: form });
  $("upload-message").textContent = body
    ? `${body.uploaded?.length ?? 0} stored, ${body.rejected?.length ?? 0} refused` + (body.rejected?.length ? `: ${body.rejected.map((r) => `${r.name} (${r.reason})`).join(", ")}` : "")
    : ok ? "done" : "failed";
  previewSource = { prefix: null, first: undefined };
  schedulePreview();
}

// The preview renders one image in the chosen style through POST /api/preview, when the producer has it.
let previewTimer = null;
// The image previewed under a prefix, listed once per prefix (style changes reuse it; an upload forgets it).
let previewSource = { prefix: null, first: undefined };
// The preview in progress: a newer one aborts it, so the producer stops rendering what no one will see.
let previewAbort = null;
function schedulePreview() { clearTimeout(previewTimer); previewTimer = setTimeout(preview, 400); }
// Exported for the browser test, which asks for previews in quick succession.
export async function preview() {
  if (mode() !== "prefix") return;
  previewAbort?.abort();
  const abort = (previewAbort = new AbortController());
  const prefix = $("prefix").value;
  let first;
  try {
    first = previewSource.first;
    if (previewSource.prefix !== prefix) {
      const list = await api(`/api/sources?prefix=${encodeURIComponent(prefix)}`, { signal: abort.signal });
      first = list.body?.[0];
      // A failed listing is not remembered: the next change asks again.
      previewSource = list.ok ? { prefix, first } : { prefix: null, first: undefined };
    }
    if (!first) { $("preview-caption").textContent = "no image under this prefix yet"; $("preview").removeAttribute("src"); return; }
    const name = first.name.split("/").pop();
    const stem = name.includes(".") ? name.slice(0, name.lastIndexOf(".")) : name;
    const text = $("template").value.replaceAll("{name}", name).replaceAll("{stem}", stem).replaceAll("{index}", "1");
    const response = await fetch("/api/preview", {
      method: "POST", headers: { "Content-Type": "application/json" }, signal: abort.signal,
      body: JSON.stringify({ text, style: style(), source: first.name }),
    });
    if (response.status === 429) {
      // Previews are rendered a few at a time: ask again when told, unless a newer one has started.
      const wait = Number(response.headers.get("retry-after")) || 1;
      setTimeout(() => { if (previewAbort === abort) preview(); }, wait * 1000);
      return;
    }
    if (!response.ok) throw new Error(String(response.status));
    const old = $("preview").src;
    $("preview").src = URL.createObjectURL(await response.blob());
    if (old.startsWith("blob:")) URL.revokeObjectURL(old);
    $("preview-caption").textContent = `${first.name}: "${text}"`;
  } catch {
    if (abort.signal.aborted || !first) return; // superseded by a newer preview
    // No preview endpoint (or it failed): show the source itself, so the form stays usable.
    $("preview").src = first.url;
    $("preview-caption").textContent = `${first.name} (source; live preview not available)`;
  }
}

document.querySelectorAll("input[name=mode]").forEach((radio) => radio.addEventListener("change", () => {
  document.querySelector(".mode-prefix").hidden = mode() !== "prefix";
  document.querySelector(".mode-manifest").hidden = mode() !== "manifest";
}));
["prefix", "template", "color", "outline", "size"].forEach((id) => $(id).addEventListener("input", schedulePreview));
$("batch-form").addEventListener("submit", submitBatch);
$("upload-button").addEventListener("click", upload);
for (const action of ["pause", "resume", "cancel"]) $(`${action}-batch`).addEventListener("click", () => control(action));
showControls(null);
refresh();
schedulePreview();
setInterval(refresh, 1500);
