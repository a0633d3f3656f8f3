// Reports typed without network wait in localStorage and are sent when the network is back.
// Each carries its own external_id, so a report sent twice is still one event.
(function () {
  const KEY = "gridbrain-outbox";
  const load = () => JSON.parse(localStorage.getItem(KEY) || "[]");
  const save = (items) => localStorage.setItem(KEY, JSON.stringify(items));
  async function post(body) {
    const r = await fetch("/api/v1/events", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    const data = await r.json().catch(() => ({}));
    if (!r.ok) { const e = new Error((data.error && data.error.message) || String(r.status)); e.refused = data.error || {}; throw e; }
    return data;
  }
  function show() {
    const el = document.getElementById("outbox-state");
    const n = load().length;
    if (el) { el.hidden = n === 0; el.dataset.count = n; el.textContent = n + " ⏳"; }
    document.dispatchEvent(new CustomEvent("outbox", { detail: n }));
  }
  async function flush() {
    let items = load();
    while (items.length) {
      try { await post(items[0].body); } catch (e) { if (!e.refused) break; /* refused: drop it */ }
      items = load().slice(1); save(items);
    }
    show();
  }
  window.gbOutbox = {
    post, flush, count: () => load().length,
    keep(body) { const items = load(); items.push({ body, at: Date.now() }); save(items); show(); },
  };
  window.addEventListener("online", flush);
  if (navigator.onLine) flush(); else show();
})();
