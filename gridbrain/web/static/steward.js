// The steward's actions go to the registry's API; refusals are shown next to the record.
(function () {
  const t = JSON.parse(document.getElementById("i18n").textContent);
  async function call(url, init) {
    const r = await fetch(url, Object.assign({ method: "POST", credentials: "same-origin" }, init));
    const data = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error((data.error && data.error.message) || String(r.status));
    return data;
  }
  const json = (body) => ({ headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  document.querySelectorAll("form.q-item").forEach((form) => {
    form.querySelectorAll("button[data-do]").forEach((b) => b.addEventListener("click", async () => {
      const err = form.querySelector(".action-error"), ok = form.querySelector(".ok");
      err.textContent = "";
      const what = b.dataset.do, url = "/api/v1/quarantine/" + form.dataset.item + "/" + what;
      let body = {};
      if (what === "fix") {
        const values = {};
        form.querySelectorAll("input[data-held]").forEach((i) => { if (i.value !== i.dataset.held) values[i.name] = i.value; });
        body = { values };
      } else if (what === "reject") body = { reason: form.querySelector("[name=__reason]").value };
      try {
        const out = await call(url, json(body));
        ok.textContent = t[out.status] || out.status; ok.hidden = false; form.dataset.status = out.status;
        form.querySelectorAll("button, input").forEach((el) => { el.disabled = true; });
      } catch (e) { err.textContent = e.message; }
    }));
  });
  const imp = document.getElementById("import-form");
  imp.addEventListener("submit", async (e) => {
    e.preventDefault();
    const err = imp.querySelector(".action-error"), out = document.getElementById("import-result");
    err.textContent = ""; out.hidden = true;
    const fd = new FormData(); fd.append("file", imp.file.files[0] || new Blob([]), (imp.file.files[0] || {}).name || "empty.csv");
    try {
      const r = await call("/api/v1/imports/" + imp.kind.value, { body: fd });
      out.textContent = t.imported + ": " + ["read", "accepted", "fixed", "quarantined"].map((k) => k + " " + r[k]).join(" · ");
      out.hidden = false;
    } catch (e2) { err.textContent = e2.message; }
  });
})();
