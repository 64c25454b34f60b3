// Notes: a single-page app on the user pool and the notes API, with no framework and no build.
// Served under a strict CSP: DOM APIs and textContent only (no innerHTML, no inline code).
import { CognitoError, createUserPool } from "./cognito.js";
import { ApiError, createNotesApi } from "./notes-api.js";
import { SessionEnded, createSession } from "./session.js";

const $ = (id) => document.getElementById(id);
const views = ["sign-in-view", "sign-up-view", "confirm-view", "notes-view"];
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

let userPool = null;
let session = null;
let api = null;
let notes = []; // loaded so far, newest change first
let nextCursor = null;
let pendingEmail = ""; // signed up, not yet confirmed
let newNoteKey = null; // Idempotency-Key of the new-note form until it is saved
let signingOut = false;

// Input the page checks itself, before asking anyone.
class InputError extends Error {}

// --- messages -------------------------------------------------------------------------------

function say(message) {
  $("status").textContent = message;
}

function fail(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = !message;
}

function describe(error) {
  if (error instanceof SessionEnded || error instanceof InputError) return error.message;
  if (error instanceof CognitoError) {
    switch (error.type) {
      case "NotAuthorizedException": return "Incorrect e-mail address or password.";
      case "UsernameExistsException": return "An account with this e-mail address already exists. Sign in instead.";
      case "CodeMismatchException": return "That code is not right. Check the e-mail, or send a new code.";
      case "ExpiredCodeException": return "That code has expired. Send a new code.";
      case "LimitExceededException":
      case "TooManyRequestsException":
      case "TooManyFailedAttemptsException": return "Too many attempts. Wait a few minutes and try again.";
      default: return error.message;
    }
  }
  if (error instanceof ApiError) {
    if (error.status === 0) return error.message;
    if (error.status === 403) return "The notes service refused this request (403).";
    if (error.status === 404) return "This note no longer exists.";
    if (error.status === 409) return `Not saved: ${error.message}`;
    if (error.status === 429) return "Too many requests. Wait a moment and try again.";
    if (error.status >= 500) return `The notes service failed (${error.status}). Try again in a moment.`;
    return error.message;
  }
  return `Something went wrong: ${error.message}`;
}

// A failed request: a session that ended sends the user to sign in again.
function handle(error) {
  if (error instanceof SessionEnded) {
    show("sign-in-view");
  }
  fail(describe(error));
}

function show(view) {
  for (const id of views) $(id).hidden = id !== view;
  $(view).querySelector("h2").focus();
  // User Timing marks: bench/web.py reads when the page first became usable.
  if (!performance.getEntriesByName("notes:interactive").length) performance.mark("notes:interactive");
}

function markInvalid(input, invalid) {
  if (invalid) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

async function busy(button, work) {
  button.disabled = true;
  fail("");
  try {
    await work();
  } catch (error) {
    handle(error);
  } finally {
    button.disabled = false;
  }
}

// --- signing up and in ------------------------------------------------------------------------

$("go-sign-up").addEventListener("click", () => { fail(""); show("sign-up-view"); });
$("go-sign-in").addEventListener("click", () => { fail(""); show("sign-in-view"); });

$("sign-up-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const email = $("sign-up-email").value.trim();
  const password = $("sign-up-password").value;
  busy($("sign-up"), async () => {
    if (!email || !password) throw new InputError("Enter an e-mail address and a password.");
    say("Creating your account…");
    await userPool.signUp(email, password);
    pendingEmail = email;
    $("confirm-email").textContent = email;
    $("sign-up-password").value = "";
    say(`Account created. Enter the code we sent to ${email}.`);
    show("confirm-view");
  });
});

$("confirm-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const code = $("confirm-code").value.trim();
  busy($("confirm"), async () => {
    markInvalid($("confirm-code"), !/^\d{6}$/.test(code));
    if (!/^\d{6}$/.test(code)) throw new InputError("The code has six digits: check the e-mail we sent.");
    await userPool.confirmSignUp(pendingEmail, code);
    $("confirm-code").value = "";
    $("sign-in-email").value = pendingEmail;
    say("Your e-mail address is confirmed. Sign in.");
    show("sign-in-view");
    $("sign-in-password").focus();
  });
});

$("resend-code").addEventListener("click", () => {
  busy($("resend-code"), async () => {
    await userPool.resendCode(pendingEmail);
    say(`We sent a new code to ${pendingEmail}.`);
  });
});

$("sign-in-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const email = $("sign-in-email").value.trim();
  const password = $("sign-in-password").value;
  busy($("sign-in"), async () => {
    if (!email || !password) throw new InputError("Enter your e-mail address and password.");
    say("Signing in…");
    performance.mark("notes:sign-in");
    try {
      await session.signIn(email, password);
    } catch (error) {
      if (error instanceof CognitoError && error.type === "UserNotConfirmedException") {
        pendingEmail = email;
        $("confirm-email").textContent = email;
        say("Confirm your e-mail address first: enter the code we sent, or send a new one.");
        show("confirm-view");
        return;
      }
      throw error;
    }
    $("sign-in-password").value = "";
    await openNotes();
  });
});

$("sign-out").addEventListener("click", () => {
  busy($("sign-out"), async () => {
    signingOut = true;
    await session.signOut();
    signingOut = false;
    notes = [];
    renderNotes();
    say("You are signed out.");
    show("sign-in-view");
  });
});

function onSessionChange(email) {
  $("account").hidden = !email;
  $("account-email").textContent = email || "";
  if (!email && !signingOut && !$("notes-view").hidden) {
    fail("Your session has ended. Please sign in again.");
    show("sign-in-view");
  }
}

// --- notes -------------------------------------------------------------------------------------

function byNewest(a, b) {
  return b.updatedAt.localeCompare(a.updatedAt);
}

function renderNotes() {
  const list = $("notes");
  list.replaceChildren(...notes.map(noteItem));
  $("no-notes").hidden = notes.length > 0;
  $("load-more").hidden = !nextCursor;
}

function noteItem(note) {
  const item = $("note-template").content.firstElementChild.cloneNode(true);
  item.dataset.noteId = note.id;
  item.querySelector(".note-title").textContent = note.title;
  item.querySelector(".note-body").textContent = note.body;
  const updated = item.querySelector(".note-updated");
  updated.dateTime = note.updatedAt;
  updated.textContent = dateFormat.format(new Date(note.updatedAt));
  const edit = item.querySelector(".edit-note");
  edit.setAttribute("aria-label", `Edit “${note.title}”`);
  edit.addEventListener("click", () => startEditing(item, note));
  const remove = item.querySelector(".delete-note");
  remove.setAttribute("aria-label", `Delete “${note.title}”`);
  remove.addEventListener("click", () => deleteNote(note, remove));
  return item;
}

function focusNote(id) {
  $("notes").querySelector(`[data-note-id="${id}"] .edit-note`)?.focus();
}

async function openNotes() {
  show("notes-view");
  notes = [];
  nextCursor = null;
  renderNotes();
  await loadPage();
}

async function loadPage() {
  say("Loading your notes…");
  const page = await api.list(nextCursor);
  const known = new Set(notes.map((n) => n.id));
  notes = [...notes, ...page.notes.filter((n) => !known.has(n.id))].sort(byNewest);
  nextCursor = page.nextCursor;
  renderNotes();
  performance.mark("notes:listed");
  say(notes.length === 1 ? "1 note." : `${notes.length} notes.`);
}

$("load-more").addEventListener("click", () => busy($("load-more"), loadPage));

$("new-note-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const title = $("new-title");
  const body = $("new-body");
  busy($("add-note"), async () => {
    markInvalid(title, !title.value.trim());
    if (!title.value.trim()) {
      title.focus();
      throw new InputError("A note needs a title.");
    }
    newNoteKey ??= crypto.randomUUID(); // a retry after a failure creates the note once
    const note = await api.create({ title: title.value, body: body.value }, newNoteKey);
    newNoteKey = null;
    notes = [note, ...notes.filter((n) => n.id !== note.id)];
    renderNotes();
    title.value = "";
    body.value = "";
    say(`Added “${note.title}”.`);
    title.focus();
  });
});

function startEditing(item, note) {
  const form = $("edit-template").content.firstElementChild.cloneNode(true);
  const title = form.querySelector(".edit-title");
  const body = form.querySelector(".edit-body");
  title.value = note.title;
  body.value = note.body;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form.querySelector(".save-note"), async () => {
      markInvalid(title, !title.value.trim());
      if (!title.value.trim()) {
        title.focus();
        throw new InputError("A note needs a title.");
      }
      const saved = await api.update(note.id, { title: title.value, body: body.value, version: note.version });
      notes = [saved, ...notes.filter((n) => n.id !== note.id)];
      renderNotes();
      say(`Saved “${saved.title}”.`);
      focusNote(saved.id);
    });
  });
  form.querySelector(".cancel-edit").addEventListener("click", () => {
    renderNotes();
    focusNote(note.id);
  });
  item.querySelector("article").replaceWith(form);
  title.focus();
}

function deleteNote(note, button) {
  if (!window.confirm(`Delete “${note.title}”? This cannot be undone.`)) return;
  busy(button, async () => {
    try {
      await api.remove(note.id, note.version);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
    notes = notes.filter((n) => n.id !== note.id);
    renderNotes();
    say(`Deleted “${note.title}”.`);
    $("new-title").focus();
  });
}

// --- start --------------------------------------------------------------------------------------

async function start() {
  let config;
  try {
    const response = await fetch("config.json", { cache: "no-store" });
    if (!response.ok) throw new Error(`config.json: ${response.status}`);
    config = await response.json();
  } catch (error) {
    say("");
    fail(`The app could not load its settings (${error.message}).`);
    return;
  }
  userPool = createUserPool(config);
  session = createSession(userPool, { onChange: onSessionChange });
  api = createNotesApi(config.apiUrl, session);
  if (await session.resume()) {
    try {
      await openNotes();
    } catch (error) {
      handle(error);
    }
  } else {
    say("Sign in, or create an account.");
    show("sign-in-view");
  }
}

start();
