// 驾驶舱: the area's map (children and grids, drill down by clicking), open and overdue events as
// markers, charts, the ranking; a live stream refreshes the KPIs (htmx) and the markers.
(async function () {
  const el = document.getElementById("map");
  const t = JSON.parse(document.getElementById("i18n").textContent);
  const code = el.dataset.area, level = el.dataset.level;
  const theme = el.dataset.theme ? "&theme=" + encodeURIComponent(el.dataset.theme) : "";
  const { map, ll, geo } = gbMap(el);
  const palette = ["#2563eb", "#16a34a", "#d97706", "#dc2626", "#7c3aed", "#0891b2", "#be185d", "#65a30d", "#ea580c"];
  // the three reads go out together: the boundary, the grids, and the markers and charts
  const [area, grids, first] = await Promise.all([
    gbApi("/api/v1/areas/" + code), gbApi("/api/v1/grids.geojson?area=" + code), gbApi("/cockpit/data?area=" + code + theme),
  ]);
  const outline = geo(area.geometry, { style: { color: "#0b3d91", weight: 3, fill: false } }).addTo(map);
  map.fitBounds(outline.getBounds());
  const colorOf = {};
  area.children.forEach((c, i) => { colorOf[c.code] = palette[i % palette.length]; });
  const prefix = (c) => c.replace(/(000)+$/, "");
  const childOf = (g) => area.children.find((c) => g.startsWith(prefix(c.code)));
  const layer = geo(grids, {
    style: (f) => {
      const child = childOf(f.properties.code);
      return { color: "#334155", weight: 0.5, fillColor: child ? colorOf[child.code] : "#64748b", fillOpacity: 0.3 };
    },
    onEachFeature: (f, l) => {
      const child = childOf(f.properties.code);
      l.bindTooltip((child ? child.name + " · " : "") + f.properties.name);
      // drill down: district → street → community → grid
      const target = level === "community" || !child ? f.properties.code : child.code;
      if (target !== code) l.on("click", () => { window.location = "/cockpit?area=" + target + theme; });
    },
  }).addTo(map);
  document.getElementById("area-stats").textContent =
    area.children.length + " " + t.children + " · " + grids.features.length + " " + t.grids;
  document.querySelectorAll("#streets li").forEach((li) => { li.style.borderLeft = "4px solid " + (colorOf[li.dataset.code] || "#64748b"); });

  const markers = L.layerGroup().addTo(map);
  const heat = L.layerGroup();  // 治理热力图: events of the last 30 days per H3 cell
  const sensing = L.layerGroup().addTo(map);  // 感知网: devices with an open alarm or offline
  L.control.layers(null, { [t.markers]: markers, [t.heat]: heat, [t.devices]: sensing }, { collapsed: false }).addTo(map);
  const trend = echarts.init(document.getElementById("trend-chart"));
  const matters = echarts.init(document.getElementById("matter-chart"));
  const state = { markers: 0, refreshed: 0 };
  async function refresh(given) {
    const d = given || await gbApi("/cockpit/data?area=" + code + theme);
    markers.clearLayers();
    d.markers.forEach((m) => {
      const color = m.overdue ? "#dc2626" : "#2563eb";
      L.circleMarker(ll(m.lat, m.lng), { radius: m.overdue ? 7 : 5, color, fillColor: color, fillOpacity: 0.8, weight: 1 })
        .bindTooltip((m.overdue ? t.overdue : t.open) + " · " + m.text)
        .on("click", () => { window.location = "/desk/events/" + m.id; })
        .addTo(markers);
    });
    heat.clearLayers();
    const most = Math.max(1, ...d.heat.map((h) => h.count));
    d.heat.forEach((h) => {
      L.polygon(h.boundary.map((p) => ll(p[0], p[1])), { stroke: false, fillColor: "#dc2626", fillOpacity: 0.15 + 0.6 * h.count / most })
        .bindTooltip(String(h.count)).addTo(heat);
    });
    state.heatCells = d.heat.length;
    state.markers = d.markers.length;
    state.ids = d.markers.map((m) => m.id);
    trend.setOption({
      title: { text: t.trend, textStyle: { fontSize: 13 } }, grid: { left: 40, right: 10, top: 40, bottom: 30 },
      xAxis: { type: "category", data: d.trend.map((x) => x[0].slice(5)) }, yAxis: { type: "value" },
      series: [{ type: "line", smooth: true, areaStyle: {}, data: d.trend.map((x) => x[1]) }],
    });
    matters.setOption({
      title: { text: t.matters, textStyle: { fontSize: 13 } }, grid: { left: 110, right: 20, top: 40, bottom: 20 },
      xAxis: { type: "value" }, yAxis: { type: "category", inverse: true, data: d.matters.map((x) => x[0]) },
      series: [{ type: "bar", data: d.matters.map((x) => x[1]), itemStyle: { color: "#0b3d91" } }],
    });
    const ol = document.getElementById("ranking");
    ol.replaceChildren(...d.ranking.map((r) => {
      const li = document.createElement("li");
      li.textContent = r.name + " · " + r.score.toFixed(1) + " (" + r.received + ")";
      return li;
    }));
    if (!d.ranking.length) ol.textContent = t.no_data;
    await drawDevices();
    state.refreshed += 1;
  }
  async function drawDevices() {
    let layer;
    try { layer = await gbApi("/api/v1/perception/map?alarmed=true&area=" + code); } catch (e) { return; }
    sensing.clearLayers();
    layer.features.forEach((f) => {
      const p = f.properties, [lng, lat] = f.geometry.coordinates;
      const color = p.alarm ? "#dc2626" : "#64748b";  // an open alarm red, a silent device grey
      L.circleMarker(ll(lat, lng), { radius: 6, color, fillColor: color, fillOpacity: 0.9, weight: 2, dashArray: p.alarm ? null : "2" })
        .bindTooltip(p.name + " · " + (p.alarm || t.offline))
        .addTo(sensing);
    });
    state.devices = layer.features.map((f) => f.properties.code);
  }
  await refresh(first);
  window.gridbrainMap = { map, layer, gridCount: grids.features.length, state };
  el.dataset.ready = "1";

  const live = document.getElementById("live-state");
  let timer = null;
  const source = new EventSource("/live?area=" + code);
  source.onopen = () => { live.textContent = t.live_on; live.dataset.state = "on"; };
  source.onerror = () => { live.textContent = t.live_off; live.dataset.state = "off"; };
  source.addEventListener("changed", () => {
    // a burst of changes becomes one refresh
    clearTimeout(timer);
    timer = setTimeout(() => { htmx.trigger(document.body, "live"); refresh(); }, 250);
  });
})();
