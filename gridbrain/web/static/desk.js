// The desk's actions go to the JSON API; a refusal's message is shown next to the action.
(function () {
  async function act(form, eventId, action) {
    const body = {};
    new FormData(form).forEach((v, k) => {
      if (!v) return;
      if (k.startsWith("param:")) { (body.parameters = body.parameters || {})[k.slice(6)] = v; }
      else body[k] = v;
    });
    const out = form.querySelector(".action-error");
    out.textContent = "";
    const r = await fetch("/api/v1/events/" + eventId + "/actions/" + action, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    if (r.ok) { window.location.reload(); return; }
    let message = r.status + "";
    try { const e = await r.json(); message = (e.error && e.error.message) || message; } catch (_) { /* not JSON */ }
    out.textContent = message;
    out.dataset.status = r.status;
  }
  document.querySelectorAll("form.action").forEach((f) => f.addEventListener("submit", (e) => {
    e.preventDefault(); act(f, f.dataset.event, f.dataset.action);
  }));
  document.querySelectorAll("form.triage-item button[data-action]").forEach((b) => b.addEventListener("click", () => {
    const f = b.closest("form"); act(f, f.dataset.event, b.dataset.action);
  }));
  const m = document.getElementById("event-map");
  if (m) {
    const { map, ll } = gbMap(m);
    const p = ll(+m.dataset.lat, +m.dataset.lng);
    map.setView(p, 16);
    L.circleMarker(p, { radius: 9, color: "#dc2626", fillOpacity: 0.8 }).addTo(map);
  }
})();
