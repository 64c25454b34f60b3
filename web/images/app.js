// Images page: uploads through the API's presigned POST, shows the derivatives and tries the
// on-demand resize URL. Served under a strict CSP: DOM APIs and textContent only.

const KEY_STORAGE = "images-ui.apiKey";
const $ = (id) => document.getElementById(id);
let config = null;
let apiKey = localStorage.getItem(KEY_STORAGE) ?? "";
let current = null;

function status(message, error = false) {
  $("status").textContent = message;
  $("status").className = error ? "status--error" : "";
}

async function api(path, options = {}) {
  const response = await fetch(config.apiUrl.replace(/\/$/, "") + path, {
    ...options,
    headers: { "x-api-key": apiKey, "Content-Type": "application/json", ...(options.headers ?? {}) },
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`${response.status}: ${body.message ?? "request failed"}`);
  return body;
}

// The CDN as this page's config names it (locally, the local CDN), for the resize URLs the page
// builds; records carry their own URLs (locally, the local CDN's), used as they are.
function onCdn(pathAndQuery) {
  return `${config.cdnUrl.replace(/\/$/, "")}/${pathAndQuery.replace(/^\//, "")}`;
}

function figure(src, caption) {
  const item = document.createElement("li");
  const fig = document.createElement("figure");
  const img = document.createElement("img");
  img.src = src;
  img.alt = caption;
  img.loading = "lazy";
  const text = document.createElement("figcaption");
  text.textContent = caption;
  fig.append(img, text);
  item.append(fig);
  return item;
}

function show(record) {
  current = record;
  $("image-section").hidden = false;
  $("image-summary").textContent = record.status === "ready"
    ? `${record.width} × ${record.height} ${record.format}${record.frames > 1 ? ` (${record.frames} frames: the first is used)` : ""}, ${record.derivatives.length} derivatives`
    : `${record.status}: ${record.reason ?? ""}`;
  $("derivatives").replaceChildren(
    ...(record.derivatives ?? []).map((d) => figure(d.url, `${d.width} px ${d.format}, ${Math.round(d.bytes / 1024)} KB`)),
  );
  $("examples").replaceChildren(
    ...Object.entries(record.transforms ?? {}).map(([name, url]) => figure(url, name)),
  );
  $("signed-hint").hidden = !config.signedUrls;
}

async function waitFor(id) {
  for (let attempt = 0; attempt < 120; attempt += 1) {
    const record = await api(`/images/${encodeURIComponent(id)}`);
    if (record.status !== "pending") return record;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error("the derivatives did not appear within a minute");
}

async function upload(event) {
  event.preventDefault();
  const file = $("file").files[0];
  if (!file) return;
  try {
    status(`Asking for an upload of ${file.name}…`);
    const ticket = await api("/uploads", {
      method: "POST",
      body: JSON.stringify({ contentType: file.type, size: file.size }),
    });
    const form = new FormData();
    for (const [name, value] of Object.entries(ticket.upload.fields)) form.append(name, value);
    form.append("file", file);
    status("Uploading to S3…");
    const stored = await fetch(ticket.upload.url, { method: "POST", body: form });
    if (!stored.ok) throw new Error(`S3 refused the upload (${stored.status}): ${await stored.text()}`);
    status("Uploaded; making the derivatives…");
    const record = await waitFor(ticket.id);
    show(record);
    status(record.status === "ready" ? "Ready." : `Failed: ${record.reason}`, record.status !== "ready");
    await list();
  } catch (error) {
    status(error.message, true);
  }
}

function resize(event) {
  event.preventDefault();
  if (!current) return;
  const params = new URLSearchParams();
  for (const name of ["w", "h", "fit", "format", "q"]) {
    const value = $(name).value;
    if (value && !(name === "fit" && value === "inside")) params.set(name, value);
  }
  const url = onCdn(`images/${encodeURIComponent(current.id)}?${params}`);
  $("resize-url").textContent = url;
  $("resize-url").href = url;
  $("resized").src = url;
}

async function list() {
  try {
    const page = await api("/images?limit=20");
    $("images").replaceChildren(...page.images.map((record) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "link";
      button.textContent = `${record.id} (${record.status}${record.width ? `, ${record.width} × ${record.height}` : ""})`;
      button.addEventListener("click", () => show(record));
      item.append(button);
      return item;
    }));
  } catch (error) {
    status(error.message, true);
  }
}

async function start() {
  config = await (await fetch("config.json")).json();
  $("api-key").value = apiKey;
  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    apiKey = $("api-key").value.trim();
    localStorage.setItem(KEY_STORAGE, apiKey);
    list();
  });
  $("upload-form").addEventListener("submit", upload);
  $("resize-form").addEventListener("submit", resize);
  $("refresh").addEventListener("click", list);
  status(apiKey ? "Ready." : "Save the API key to start.");
  if (apiKey) await list();
}

start().catch((error) => status(`Could not start: ${error.message}`, true));
