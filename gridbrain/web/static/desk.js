// The desk's actions go to the JSON API; a refusal's message is shown next to the action.
(function () {
  const json = (id) => { const el = document.getElementById(id); return el ? JSON.parse(el.textContent) : {}; };
  const REFUSALS = json("refusals"), FIELDS = json("field-names");
  // a refusal in the page's language: the most specific wording of code:field:rule, then the code's;
  // the API's own message stays as the tooltip
  function refusal(status, err) {
    const keys = [err.code + ":" + err.field + ":" + err.rule, err.code + ":" + err.field, err.code];
    const known = keys.map((k) => REFUSALS[k]).find(Boolean);
    if (!known) return err.message || String(status);
    const field = err.code === "invalid" && err.field && !REFUSALS[keys[0]] && !REFUSALS[keys[1]] ? " " + (FIELDS[err.field] || err.field) : "";
    return known + field;
  }
  async function act(form, eventId, action) {
    const body = {};
    new FormData(form).forEach((v, k) => {
      if (!v) return;
      if (k.startsWith("param:")) { (body.parameters = body.parameters || {})[k.slice(6)] = v; }
      else body[k] = v;
    });
    const out = form.querySelector(".action-error");
    out.textContent = "";
    let r;
    try {
      r = await fetch("/api/v1/events/" + eventId + "/actions/" + action, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      });
    } catch (_) { out.textContent = REFUSALS.network || "network"; return; }
    if (r.ok) { window.location.reload(); return; }
    let err = {};
    try { err = (await r.json()).error || {}; } catch (_) { /* not JSON */ }
    out.textContent = refusal(r.status, err);
    out.title = err.message || "";
    out.dataset.status = r.status;
  }
  document.querySelectorAll("form.action").forEach((f) => f.addEventListener("submit", (e) => {
    e.preventDefault(); act(f, f.dataset.event, f.dataset.action);
  }));
  document.querySelectorAll("form.triage-item button[data-action]").forEach((b) => b.addEventListener("click", () => {
    const f = b.closest("form"); act(f, f.dataset.event, b.dataset.action);
  }));
  // saved views: a filter kept on this computer, one click away
  const save = document.getElementById("save-view"), views = document.getElementById("saved-views");
  if (save && views) {
    const KEY = "gridbrain-desk-views";
    const load = () => JSON.parse(localStorage.getItem(KEY) || "[]");
    const draw = () => {
      views.querySelectorAll("a").forEach((a) => a.remove());
      load().forEach((v) => { const a = document.createElement("a"); a.href = "/desk" + v.q; a.textContent = v.name; a.className = "view"; views.append(a, " "); });
      views.hidden = load().length === 0;
    };
    save.addEventListener("click", () => {
      const f = save.closest("form"), q = "?" + new URLSearchParams(new FormData(f)).toString();
      const name = [f.status.selectedOptions[0].text, f.matter.selectedOptions[0].text, f.since.value].filter(Boolean).join(" · ");
      localStorage.setItem(KEY, JSON.stringify([...load().filter((v) => v.q !== q), { name, q }].slice(-8)));
      draw();
    });
    draw();
  }
  const similar = document.getElementById("similar");
  if (similar) {
    // 案例库: past cases of the same matter class, most similar first
    fetch("/api/v1/supervision/cases/similar?event_id=" + similar.dataset.event, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : []))
      .then((cases) => {
        const ul = similar.querySelector("ul");
        ul.replaceChildren();
        similar.dataset.ready = "1";
        if (!cases.length) { ul.append(document.getElementById("no-similar").content.cloneNode(true)); return; }
        cases.forEach((c) => {
          const li = document.createElement("li");
          li.textContent = c.title + " — " + c.summary;
          ul.append(li);
        });
      });
  }
  const m = document.getElementById("event-map");
  if (m) {
    const { map, ll } = gbMap(m);
    const p = ll(+m.dataset.lat, +m.dataset.lng);
    map.setView(p, 16);
    L.circleMarker(p, { radius: 9, color: "#dc2626", fillOpacity: 0.8 }).addTo(map);
  }
})();
