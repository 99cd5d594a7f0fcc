// What every page of the producer does the same way: find an element, build one, call the API,
// and say what a refusal names. A plain module; nothing from the network.

export const $ = (id) => document.getElementById(id);

export function el(tag, props, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

/** A request to the producer's API: its status, and its JSON body when it has one. */
export async function api(path, options) {
  const response = await fetch(path, options);
  const body = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
  return { ok: response.ok, status: response.status, body };
}

/** A problem-details body as a person reads it: its title, then each field with its problems. */
export function problems(body) {
  if (!body) return "failed";
  const errors = body.errors ? Object.entries(body.errors).map(([k, v]) => `${k}: ${[].concat(v).join("; ")}`) : [];
  return [body.title, ...errors].filter(Boolean).join("\n");
}
