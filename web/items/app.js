// Items UI: a dependency-free client for the REST microservice.
// Served under a strict CSP, so everything here is DOM APIs and textContent; no innerHTML.

const PAGE_SIZE = 20;
const KEY_STORAGE = "items-ui.apiKey";
const FIELD_INPUTS = { name: "item-name", description: "item-description", price: "item-price", tags: "item-tags" };

const $ = (id) => document.getElementById(id);
const el = {
  keyForm: $("key-form"), apiKey: $("api-key"), keyCommand: $("key-command"), status: $("status"),
  createForm: $("create-form"), name: $("item-name"), description: $("item-description"),
  price: $("item-price"), tags: $("item-tags"), formError: $("form-error"), create: $("create-item"),
  rows: $("items-table"), empty: $("empty"), loadMore: $("load-more"), refresh: $("refresh"),
};

const priceFormat = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

let config = null;
let apiKey = localStorage.getItem(KEY_STORAGE) ?? "";
let nextCursor = null;
let listGeneration = 0; // a Refresh makes any older in-flight page stale
let idempotencyKey = null; // reused when the same form is re-submitted (e.g. after a network error)

class ApiError extends Error {
  constructor(status, message, field) {
    super(message);
    this.status = status;
    this.field = field;
  }
}

// --- status and errors ---

function setStatus(message, kind = "info") {
  el.status.textContent = message;
  el.status.className = `status status--${kind}`;
}

function describe(error) {
  if (!(error instanceof ApiError)) return `Unexpected error: ${error.message}`;
  if (error.status === 0) return error.message;
  if (error.status === 403) return "Forbidden: check the API key.";
  if (error.status === 429) return "Too many requests: wait a moment and try again.";
  return `Error ${error.status}: ${error.message}`;
}

// --- API ---

async function api(path, { method = "GET", body, headers = {} } = {}) {
  const init = { method, headers: { "x-api-key": apiKey, ...headers } };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(new URL(path, config.apiUrl), init);
  } catch {
    throw new ApiError(0, `Network error: could not reach the API at ${config.apiUrl}`);
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data?.message || response.statusText || "Request failed", data?.field);
  return data;
}

// --- rendering (user data only ever goes through textContent / attributes) ---

function cell(label, ...children) {
  const td = document.createElement("td");
  td.dataset.label = label;
  td.append(...children);
  return td;
}

function span(className, text) {
  const node = document.createElement("span");
  node.className = className;
  node.textContent = text;
  return node;
}

function renderRow(item) {
  const tr = document.createElement("tr");
  tr.dataset.itemId = item.id;

  const name = cell("Name", span("item-name", item.name));
  if (item.description) name.append(span("item-description muted", item.description));

  const price = cell("Price", typeof item.price === "number" ? priceFormat.format(item.price) : "—");
  price.className = "num";

  const tags = cell("Tags", ...(item.tags ?? []).map((tag) => span("tag", tag)));

  const time = document.createElement("time");
  const updated = new Date(item.updatedAt);
  time.dateTime = item.updatedAt ?? "";
  time.textContent = Number.isNaN(updated.getTime()) ? item.updatedAt ?? "" : dateFormat.format(updated);

  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "delete-item danger";
  remove.textContent = "Delete";
  remove.setAttribute("aria-label", `Delete ${item.name}`);
  remove.addEventListener("click", () => deleteItem(item, tr, remove));

  tr.append(name, price, tags, cell("Updated", time), cell("", remove));
  return tr;
}

function addRows(items, { prepend = false } = {}) {
  for (const item of items) {
    if (el.rows.querySelector(`tr[data-item-id="${CSS.escape(item.id)}"]`)) continue;
    const row = renderRow(item);
    prepend ? el.rows.prepend(row) : el.rows.append(row);
  }
  el.empty.hidden = el.rows.children.length > 0;
}

// --- actions ---

async function loadItems({ reset }) {
  if (!config) return;
  if (!apiKey) {
    setStatus("Enter the API key above and press Save to list items.", "info");
    return;
  }
  const generation = reset ? ++listGeneration : listGeneration;
  const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (!reset && nextCursor) params.set("cursor", nextCursor);
  el.refresh.disabled = el.loadMore.disabled = true;
  setStatus(reset ? "Loading items…" : "Loading more items…");
  try {
    const page = await api(`items?${params}`);
    if (generation !== listGeneration) return;
    if (reset) el.rows.replaceChildren();
    addRows(page.items ?? []);
    nextCursor = page.nextCursor ?? null;
    el.loadMore.hidden = !nextCursor;
    const count = el.rows.children.length;
    setStatus(`Showing ${count} item${count === 1 ? "" : "s"}${nextCursor ? "; more available" : ""}.`, "ok");
  } catch (error) {
    if (generation === listGeneration) setStatus(describe(error), "error");
  } finally {
    if (generation === listGeneration) el.refresh.disabled = el.loadMore.disabled = false;
  }
}

function showFormError(message, field) {
  for (const id of Object.values(FIELD_INPUTS)) $(id).removeAttribute("aria-invalid");
  el.formError.hidden = !message;
  el.formError.textContent = message ?? "";
  const input = field && $(FIELD_INPUTS[field.split(".")[0]]);
  if (input) {
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }
}

function readForm() {
  const body = { name: el.name.value.trim() };
  // API Gateway's validator would refuse it too, but its message names no field.
  if (!body.name) throw new ApiError(400, "Name is required.", "name");
  const description = el.description.value.trim();
  if (description) body.description = description;
  if (el.price.validity.badInput) throw new ApiError(400, "Price must be a number.", "price");
  if (el.price.value !== "") body.price = Number(el.price.value);
  body.tags = el.tags.value.split(",").map((tag) => tag.trim()).filter(Boolean);
  return body;
}

async function createItem(event) {
  event.preventDefault();
  if (!config) return;
  if (!apiKey) return showFormError("Save the API key first.");
  let body;
  try {
    body = readForm();
  } catch (error) {
    return showFormError(error.message, error.field);
  }
  idempotencyKey ??= globalThis.crypto?.randomUUID?.() ?? null;
  const headers = idempotencyKey ? { "Idempotency-Key": idempotencyKey } : {};
  el.create.disabled = true;
  el.create.textContent = "Creating…";
  try {
    const item = await api("items", { method: "POST", body, headers });
    showFormError(null);
    el.createForm.reset();
    idempotencyKey = null;
    addRows([item], { prepend: true });
    el.rows.firstElementChild?.classList.add("row--new");
    setStatus(`Created “${item.name}”.`, "ok");
    el.name.focus();
  } catch (error) {
    showFormError(error.status === 400 ? error.message : describe(error), error.field);
    setStatus("The item was not created.", "error");
  } finally {
    el.create.disabled = false;
    el.create.textContent = "Create item";
  }
}

async function deleteItem(item, row, button) {
  if (!confirm(`Delete “${item.name}”? This cannot be undone.`)) return;
  button.disabled = true;
  try {
    await api(`items/${encodeURIComponent(item.id)}`, { method: "DELETE" });
    setStatus(`Deleted “${item.name}”.`, "ok");
  } catch (error) {
    if (error.status !== 404) {
      button.disabled = false;
      return setStatus(describe(error), "error");
    }
    setStatus(`“${item.name}” was already deleted.`, "info");
  }
  row.remove();
  el.empty.hidden = el.rows.children.length > 0;
}

function saveKey(event) {
  event.preventDefault();
  apiKey = el.apiKey.value.trim();
  if (apiKey) localStorage.setItem(KEY_STORAGE, apiKey);
  else localStorage.removeItem(KEY_STORAGE);
  el.rows.replaceChildren();
  el.empty.hidden = el.loadMore.hidden = true;
  if (apiKey) loadItems({ reset: true });
  else setStatus("API key cleared.", "info");
}

// --- start ---

async function loadConfig() {
  const response = await fetch("config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const data = await response.json();
  if (typeof data.apiUrl !== "string" || !data.apiUrl) throw new Error("apiUrl is missing");
  return { ...data, apiUrl: data.apiUrl.endsWith("/") ? data.apiUrl : `${data.apiUrl}/` };
}

async function start() {
  // Listeners first, so a quick Save can never fall through to a native form submission.
  el.keyForm.addEventListener("submit", saveKey);
  el.createForm.addEventListener("submit", createItem);
  el.createForm.addEventListener("input", () => { idempotencyKey = null; });
  el.refresh.addEventListener("click", () => loadItems({ reset: true }));
  el.loadMore.addEventListener("click", () => loadItems({ reset: false }));
  el.apiKey.value = apiKey;
  try {
    config = await loadConfig();
  } catch (error) {
    setStatus(`Could not load config.json (${error.message}). Is the site deployed with its configuration?`, "error");
    for (const control of document.querySelectorAll("input, textarea, button")) control.disabled = true;
    return;
  }
  if (config.apiKeyId) {
    el.keyCommand.textContent =
      `aws apigateway get-api-key --api-key ${config.apiKeyId} --include-value --query value --output text`;
  }
  await loadItems({ reset: true });
}

start();
