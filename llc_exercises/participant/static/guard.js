// The browser half of "never lose a word" (guard.py says what and why).
const PREFIX = "llc-p-";
const WAIT_MS = 1000;        // a kernel that is alive answers a ping in milliseconds
const KERNEL_GRACE_MS = 6000; // a busy kernel (Run All) gets longer before the page says so
const RETRY_MS = 2000;
const storeName = (pid) => `llc:pending:${pid}`;
// Every page says it is alive in local storage once a second: a page that loads puts back only what
// a closed (or reloaded) page kept, never what another open tab is still saving.
const PAGE = window.__llcPage || (window.__llcPage = Math.random().toString(36).slice(2));
const aliveName = (page) => `llc:alive:${page}`;
function beat() { try { localStorage.setItem(aliveName(PAGE), String(Date.now())); } catch (e) { /* private mode */ } }
if (!window.__llcBeat) {
  window.__llcBeat = setInterval(beat, 1000);
  beat();
  // a page that reloads or closes is gone at once: the page that follows may take its typing back
  window.addEventListener("pagehide", () => { try { localStorage.removeItem(aliveName(PAGE)); } catch (e) { /* */ } });
}
function aliveElsewhere(page) {
  if (!page || page === PAGE) return false;
  const last = Number(localStorage.getItem(aliveName(page)) || 0);
  return Date.now() - last < 4000;
}
const keyOf = (path) => path.split("#")[0];
// The first texts a box held since the last save the page heard of are the ones a kernel that
// stopped could have saved; later ones only make the list longer.
const TRAIL_MAX = 500;

// cyrb53 (public domain, bryc) of a text's UTF-16 code units: a short fingerprint of a box's text,
// the same as guard.fingerprint in Python.
export function fingerprint(text) {
  let h1 = 0xdeadbeef, h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return String(4294967296 * (2097151 & h2) + (h1 >>> 0));
}

function loadAll(pid) {
  try { return JSON.parse(localStorage.getItem(storeName(pid)) || "{}") || {}; } catch (e) { return {}; }
}
function keepAll(pid, all) {
  try {
    if (Object.keys(all).length) localStorage.setItem(storeName(pid), JSON.stringify(all));
    else localStorage.removeItem(storeName(pid));
  } catch (e) { /* storage full or disabled: the save line still warns */ }
}

function cellOf(target) {
  const el = target && target.closest ? target.closest(`[class*="${PREFIX}"]`) : null;
  return el && [...el.classList].some(c => c.startsWith(PREFIX)) ? el : null;
}
function pathOf(cell) {
  const name = [...cell.classList].find(c => c.startsWith(PREFIX)).slice(PREFIX.length);
  const row = cell.closest(".llc-row");
  if (!row) return name;
  const table = row.closest(".llc-rows");
  const index = table ? [...table.querySelectorAll(".llc-row")].indexOf(row) : 0;
  const [key, column] = name.split("#");
  return `${key}#${index}#${column}`;
}
function valueOf(cell) {
  const radios = [...cell.querySelectorAll("input[type=radio]")];
  if (radios.length) { const i = radios.findIndex(r => r.checked); return i < 0 ? "" : String(i); }
  const box = cell.querySelector("input[type=checkbox]");
  if (box) return box.checked ? "1" : "0";
  const input = cell.querySelector("textarea, input");
  return input ? input.value : "";
}

function baseUrl() {
  try {
    const config = JSON.parse(document.getElementById("jupyter-config-data").textContent);
    if (config.baseUrl) return config.baseUrl;
  } catch (e) { /* not a Jupyter page: the site root */ }
  return "/";
}
const inApp = () => location.pathname.includes("/voila/");
const onThisComputer = () => ["127.0.0.1", "localhost", "[::1]"].includes(location.hostname);

function message(kind) {
  const kept = "what you type here is kept in this browser and saved when this page is back";
  if (kind === "stopped" && inApp() && onThisComputer())
    return `Not saved: the app has stopped. Start it again with llc app; ${kept}.`;
  if (kind === "stopped")
    return `Not saved: the server has stopped. Start it again (on a hub: start your server); ${kept}.`;
  if (inApp()) return `Not saved: this page has lost its connection. Reload the page; ${kept}.`;
  return "Not saved: this notebook's kernel is not answering (stopped or restarted). Run the notebook " +
    `again (Run → Run All Cells); ${kept}.`;
}

function banner(text) {
  let el = document.getElementById("llc-offline-banner");
  if (!text) { if (el) el.remove(); return; }
  if (!el) {
    el = document.createElement("div");
    el.id = "llc-offline-banner";
    el.setAttribute("role", "alert");
    el.className = "llc-offline-banner";
    document.body.prepend(el);
  }
  if (el.textContent !== text) el.textContent = text;
}

// Is the server there? Any answer below 500 from it says yes; a proxy's 5xx, or a hub sending the
// page to its own pages (the participant's server is not running), says no.
function probe() {
  const ask = fetch(baseUrl(), { method: "HEAD", cache: "no-store", credentials: "same-origin" });
  const late = new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), 800));
  return Promise.race([ask, late]).then(
    (r) => r.status < 500 && !new URL(r.url).pathname.startsWith("/hub/"), () => false);
}

function render({ model, el }) {
  el.classList.add("llc-guard");
  const pid = model.get("participant");
  const keys = new Set(model.get("fields"));
  let versions = model.get("versions") || {};
  model.on("change:versions", () => { versions = model.get("versions") || {}; });
  let root = null, seq = 0, answered = 0, waiting = null, offline = null, retry = null, serverWasDown = false;

  const mine = () => Object.fromEntries(Object.entries(loadAll(pid))
    .filter(([p, e]) => keys.has(keyOf(p)) && !aliveElsewhere(e.page)));
  const send = (content) => { try { model.send(content); } catch (e) { /* the comm is gone */ } };
  const saveLine = () => root && root.querySelector(".llc-live");

  function goOffline(kind) {
    const text = message(kind);
    offline = kind;
    el.textContent = text;
    el.className = "llc-guard llc-error";
    const line = saveLine();
    if (line) {
      const said = Object.assign(document.createElement("div"), { className: "llc-error", textContent: text });
      line.replaceChildren(said);
    }
    banner(text);
    if (!retry) retry = setInterval(tryAgain, RETRY_MS);
  }
  function backOnline() {
    offline = null;
    serverWasDown = false;
    clearInterval(retry); retry = null;
    el.textContent = ""; el.className = "llc-guard";
    if (!document.querySelector(".llc-guard.llc-error")) banner("");
    const kept = mine();
    if (Object.keys(kept).length) send({ restore: kept });
  }
  async function tryAgain() {
    if (!el.isConnected) {  // the form was replaced (Run All again): its successor takes over
      clearInterval(retry); retry = null;
      if (!document.querySelector(".llc-guard.llc-error")) banner("");
      return;
    }
    ping(false);
    const up = await probe();
    if (!up) { serverWasDown = true; if (offline !== "stopped") goOffline("stopped"); return; }
    if (!inApp() && offline === "stopped") goOffline("kernel");  // JupyterLab is back; its kernel is not
    // The app came back: its kernels are new, so only a reload brings the forms (and the kept text) back.
    if (serverWasDown && inApp()) {
      el.textContent = "The app is back: reloading this page to save what you typed…";
      location.reload();
    }
  }
  function ping(watch = true) {
    ++seq;
    send({ ping: seq });
    if (watch && !waiting) waiting = setTimeout(check, WAIT_MS);
  }
  async function check() {
    waiting = null;
    const last = seq;  // the newest ping: keystrokes after the first one count too
    if (answered >= last) return;
    if (!(await probe())) { serverWasDown = true; goOffline("stopped"); return; }
    setTimeout(() => { if (answered < last && !offline) goOffline("kernel"); }, KERNEL_GRACE_MS - WAIT_MS);
  }

  model.on("msg:custom", (msg) => {
    if (msg.pong !== undefined) {
      answered = Math.max(answered, msg.pong);
      if (offline) backOnline();
    } else if (msg.saved) {
      const all = loadAll(pid), done = new Set(msg.keys || []);
      const bad = new Set(msg.bad || []);
      for (const [path, entry] of Object.entries(all)) {
        if (!done.has(keyOf(path))) continue;
        // equal: on disk; absent (and not a refused cell): its row is gone from the saved table
        if (path in msg.saved ? msg.saved[path] === entry.v : !bad.has(path) && entry.page === PAGE) delete all[path];
        else if (path in msg.saved && entry.page === PAGE) {
          // typing went on past this save: what is kept now was typed over the saved text
          const trail = entry.trail || [], at = trail.lastIndexOf(fingerprint(msg.saved[path]));
          Object.assign(entry, { base: versions[keyOf(path)] ?? null,
                                 trail: at >= 0 ? trail.slice(at) : [fingerprint(msg.saved[path])] });
        }
      }
      keepAll(pid, all);
    } else if (msg.drop) {
      const all = loadAll(pid);
      for (const path of msg.drop) delete all[path];
      keepAll(pid, all);
    }
  });

  // What a box held since the last save the page heard of, as fingerprints ("trail"): the kernel may
  // save a change and be gone before the page hears the new version, and the text on disk is then
  // recognised as typed in this box, not in another window (WorksheetView.restore).
  const before = {};
  const cellPath = (event) => {
    const cell = cellOf(event.target);
    if (!cell || !root.contains(cell)) return [null, null];
    const path = pathOf(cell);
    return keys.has(keyOf(path)) ? [cell, path] : [null, null];
  };
  function aboutToChange(event) {
    const [cell, path] = cellPath(event);
    if (cell) before[path] = valueOf(cell);  // read by typed() only when nothing is kept yet
  }

  function typed(event) {
    const [cell, path] = cellPath(event);
    if (!cell) return;
    const all = loadAll(pid), prior = all[path], v = valueOf(cell);
    const trail = prior && prior.page === PAGE && Array.isArray(prior.trail) ? prior.trail
      : path in before ? [fingerprint(before[path])] : [];
    const print = fingerprint(v);
    if (trail[trail.length - 1] !== print && trail.length < TRAIL_MAX) trail.push(print);
    all[path] = { v, base: versions[keyOf(path)] ?? null, at: new Date().toISOString(), page: PAGE, trail };
    keepAll(pid, all);
    if (offline) goOffline(offline); else ping();
  }

  function attach() {
    root = el.closest(".llc-ws");
    if (!root) { setTimeout(attach, 50); return; }
    // keys, pastes and clicks come before the change they make
    for (const kind of ["focusin", "keydown", "pointerdown", "beforeinput"]) root.addEventListener(kind, aboutToChange, true);
    root.addEventListener("input", typed, true);
    root.addEventListener("change", typed, true);
    const kept = mine();
    if (Object.keys(kept).length) send({ restore: kept });  // typed while the page could not save
  }
  el.setAttribute("aria-live", "assertive");
  attach();
}
export default { render };
