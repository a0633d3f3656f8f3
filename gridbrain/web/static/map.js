// 一屏统揽: the user's area with its streets (or communities) and grids, from the area API.
(async function () {
  const el = document.getElementById("map");
  const map = L.map(el, { preferCanvas: true, zoomSnap: 0.25 });
  const api = (path) => fetch(path, { credentials: "same-origin" }).then((r) => {
    if (!r.ok) throw new Error(path + " → " + r.status);
    return r.json();
  });
  const palette = ["#2563eb", "#16a34a", "#d97706", "#dc2626", "#7c3aed", "#0891b2", "#be185d", "#65a30d", "#ea580c"];
  const tops = await api("/api/v1/areas");
  if (!tops.length) { document.getElementById("area-stats").textContent = "无可见辖区"; return; }
  const top = await api("/api/v1/areas/" + tops[0].code);
  document.getElementById("area-name").textContent = top.name;
  const outline = L.geoJSON(top.geometry, { style: { color: "#0b3d91", weight: 3, fill: false } }).addTo(map);
  map.fitBounds(outline.getBounds());
  const grids = await api("/api/v1/grids.geojson?area=" + top.code);
  const colorOf = {};
  top.children.forEach((c, i) => { colorOf[c.code] = palette[i % palette.length]; });
  const childOf = (code) => top.children.find((c) => code.startsWith(c.code.replace(/(000)+$/, "")));
  const layer = L.geoJSON(grids, {
    style: (f) => {
      const child = childOf(f.properties.code);
      return { color: "#334155", weight: 0.5, fillColor: child ? colorOf[child.code] : "#64748b", fillOpacity: 0.35 };
    },
    onEachFeature: (f, l) => l.bindTooltip(f.properties.name + "<br>" + f.properties.code),
  }).addTo(map);
  document.getElementById("area-stats").textContent =
    top.children.length + " 个下级区域 · " + grids.features.length + " 个网格";
  const titles = { street: "街道", community: "社区", grid: "网格" };
  if (top.children.length) document.getElementById("children-title").textContent = titles[top.children[0].level] || "下级区域";
  const list = document.getElementById("streets");
  top.children.forEach((c) => {
    const li = document.createElement("li");
    li.innerHTML = '<span></span><span class="muted"></span>';
    li.firstChild.textContent = c.name;
    li.lastChild.textContent = c.code;
    li.style.borderLeft = "4px solid " + colorOf[c.code];
    li.onclick = () => { if (c.lat) map.setView([c.lat, c.lng], 13); };
    list.appendChild(li);
  });
  window.gridbrainMap = { map, layer, gridCount: grids.features.length };
  el.dataset.ready = "1";
})();
