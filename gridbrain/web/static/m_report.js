// 巡查上报 on the phone: location from the phone, matter parameters, photo; kept if offline.
(function () {
  const t = JSON.parse(document.getElementById("i18n").textContent);
  const form = document.getElementById("m-report");
  const $ = (id) => document.getElementById(id);
  $("locate").addEventListener("click", () => {
    if (!navigator.geolocation) { $("location-error").textContent = t.no_gps; return; }
    navigator.geolocation.getCurrentPosition((p) => {
      $("lat").value = p.coords.latitude.toFixed(6); $("lng").value = p.coords.longitude.toFixed(6);
      $("located").textContent = t.located + " (" + $("lat").value + ", " + $("lng").value + ")";
      $("location-error").textContent = "";
    }, () => { $("location-error").textContent = t.no_gps; }, { enableHighAccuracy: true, timeout: 10000 });
  });
  function body() {
    const b = { channel: "patrol", text: $("text").value.trim(), external_id: "m-" + Date.now() + "-" + Math.random().toString(36).slice(2, 10) };
    if ($("matter").value) b.matter_code = $("matter").value;
    if ($("lat").value) { b.lat = +$("lat").value; b.lng = +$("lng").value; }
    if ($("address").value.trim()) b.address = $("address").value.trim();
    form.querySelectorAll("[name^='param:']").forEach((el) => {
      if (el.value === "") return;
      const ty = el.dataset.type, v = el.value;
      (b.parameters = b.parameters || {})[el.name.slice(6)] = ty === "boolean" ? v === "true" : (ty === "number" || ty === "integer") ? +v : v;
    });
    return b;
  }
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    $("text-error").textContent = ""; $("location-error").textContent = ""; $("sent").hidden = true; $("kept").hidden = true;
    const b = body();
    if (b.text.length < 2) { $("text-error").textContent = t.text; return; }
    if (b.lat === undefined && !b.address) { $("location-error").textContent = t.location; return; }
    try {
      const ev = await gbOutbox.post(b);
      const file = $("photo").files[0];
      if (file) {
        const fd = new FormData(); fd.append("file", file);
        await fetch("/api/v1/events/" + ev.id + "/photos", { method: "POST", body: fd, credentials: "same-origin" });
      }
      $("sent").textContent = t.sent + " " + ev.id; $("sent").dataset.ticket = ev.id; $("sent").hidden = false;
      form.reset(); $("params").innerHTML = ""; $("located").textContent = "";
    } catch (err) {
      if (err.refused) {  // the server said no: the message next to its field, nothing typed is lost
        const f = err.refused.field || "text";
        ($(["lat", "lng", "location", "address"].includes(f) ? "location-error" : "text-error")).textContent = err.message;
        return;
      }
      gbOutbox.keep(b);  // no network: kept on the phone (the photo is not kept)
      $("kept").textContent = t.kept + " (" + gbOutbox.count() + ")"; $("kept").hidden = false;
      form.reset(); $("params").innerHTML = "";
    }
  });
  document.addEventListener("outbox", (e) => {
    if (e.detail === 0 && !$("kept").hidden) { $("kept").textContent = "✓ " + t.sent; $("kept").dataset.flushed = "1"; }
  });
})();
