// The map frame shared by the pages: a plain background unless a tile URL is configured, and the
// WGS-84 → GCJ-02 shift when the tiles are GCJ-02 (Amap, Tencent). Our data is WGS-84.
(function () {
  const PI = Math.PI, A = 6378245.0, EE = 0.00669342162296594323;
  function outOfChina(lat, lng) { return lng < 72.004 || lng > 137.8347 || lat < 0.8293 || lat > 55.8271; }
  function tLat(x, y) {
    let r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += (20 * Math.sin(6 * x * PI) + 20 * Math.sin(2 * x * PI)) * 2 / 3;
    r += (20 * Math.sin(y * PI) + 40 * Math.sin(y / 3 * PI)) * 2 / 3;
    return r + (160 * Math.sin(y / 12 * PI) + 320 * Math.sin(y * PI / 30)) * 2 / 3;
  }
  function tLng(x, y) {
    let r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += (20 * Math.sin(6 * x * PI) + 20 * Math.sin(2 * x * PI)) * 2 / 3;
    r += (20 * Math.sin(x * PI) + 40 * Math.sin(x / 3 * PI)) * 2 / 3;
    return r + (150 * Math.sin(x / 12 * PI) + 300 * Math.sin(x / 30 * PI)) * 2 / 3;
  }
  function toGcj(lat, lng) {
    if (outOfChina(lat, lng)) return [lat, lng];
    let dLat = tLat(lng - 105, lat - 35), dLng = tLng(lng - 105, lat - 35);
    const rad = lat / 180 * PI; let m = Math.sin(rad); m = 1 - EE * m * m; const s = Math.sqrt(m);
    dLat = (dLat * 180) / ((A * (1 - EE)) / (m * s) * PI);
    dLng = (dLng * 180) / (A / s * Math.cos(rad) * PI);
    return [lat + dLat, lng + dLng];
  }
  window.gbMap = function (el) {
    const map = L.map(el, { preferCanvas: true, zoomSnap: 0.25 });
    const url = el.dataset.tileUrl, gcj = el.dataset.tileCrs === "gcj02";
    if (url) L.tileLayer(url, { attribution: el.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
    const ll = gcj ? (lat, lng) => toGcj(lat, lng) : (lat, lng) => [lat, lng];
    const geo = (data, opts) => L.geoJSON(data, Object.assign({
      coordsToLatLng: (c) => L.latLng(...ll(c[1], c[0])),
    }, opts || {}));
    return { map, ll, geo };
  };
  window.gbApi = (path) => fetch(path, { credentials: "same-origin" }).then((r) => {
    if (!r.ok) throw new Error(path + " → " + r.status);
    return r.json();
  });
})();
