// 以核代采: confirm what is held, or send only the fields that changed.
(function () {
  const t = JSON.parse(document.getElementById("i18n").textContent);
  document.querySelectorAll("form.m-task").forEach((form) => {
    form.querySelectorAll("button[data-answer]").forEach((b) => b.addEventListener("click", async () => {
      const changes = {};
      if (b.dataset.answer === "change") {
        form.querySelectorAll("input[data-held]").forEach((i) => { if (i.value !== i.dataset.held) changes[i.name] = i.value; });
      }
      const err = form.querySelector(".field-error"), ok = form.querySelector(".ok");
      err.textContent = "";
      const r = await fetch("/api/v1/verification/tasks/" + form.dataset.task + "/answer", {
        method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ changes }),
      });
      const data = await r.json().catch(() => ({}));
      if (!r.ok) { err.textContent = (data.error && data.error.message) || r.status; return; }
      ok.textContent = data.status === "changed" ? t.changed : t.confirmed; ok.hidden = false;
      form.dataset.done = data.status;
      form.querySelectorAll("button, input").forEach((el) => { el.disabled = true; });
    }));
  });
})();
