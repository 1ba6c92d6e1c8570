// Browser test of GET /map, and of MapLibre GL JS and OpenLayers reading the
// zones from a page on another origin (CORS, GeoJSON as those libraries read
// it): Debian's chromium (headless), driven by playwright-core, against the
// real dezone binary on 127.0.0.1, with every other host blocked. Run through
// run.sh, which installs what is missing.
//
// Environment: DEZONE_BIN (the binary), CHROMIUM (the browser), OUTPUT (the
// screenshot directory). Prints "N passed, M failed"; exits 1 on any failure.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import http from 'node:http';
import path from 'node:path';
import { chromium } from 'playwright-core';

const BIN = process.env.DEZONE_BIN;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const OUTPUT = process.env.OUTPUT || path.join(import.meta.dirname, 'output');
const DEADLINE_MS = Number(process.env.DEADLINE_MS || 180000);
const IDLIB_CITY = [36.63, 35.93];
const DAMASCUS = [36.3, 33.51];

mkdirSync(OUTPUT, { recursive: true });
const started = Date.now();
const results = [];
const consoleErrors = [];
const outsideRequests = [];
const servers = [];
let host;
let browser;
let profile;

const watchdog = setTimeout(() => {
  console.error(`FAIL: the browser test took longer than ${DEADLINE_MS / 1000} s`);
  shutdown(1);
}, DEADLINE_MS);

function shutdown(code) {
  clearTimeout(watchdog);
  for (const s of servers) if (s.exitCode === null) s.kill('SIGTERM');
  if (host) host.close();
  const closing = browser ? browser.close().catch(() => {}) : Promise.resolve();
  closing.finally(() => {
    if (profile) rmSync(profile, { recursive: true, force: true });
    process.exit(code);
  });
}

async function check(name, body) {
  const t0 = Date.now();
  try {
    await body();
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (error) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}: ${error && error.stack ? error.stack.split('\n').slice(0, 3).join('\n     ') : error}`);
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

/** Starts `dezone serve` on a free port, with `args`; resolves to its origin. */
function startServer(args = []) {
  return new Promise((resolve, reject) => {
    const server = spawn(BIN, ['serve', '--addr', '127.0.0.1:0', ...args], {
      env: { ...process.env, RUST_LOG: 'warn,dezone=info', NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    servers.push(server);
    let log = '';
    server.stderr.setEncoding('utf8');
    server.stderr.on('data', (chunk) => {
      log += chunk;
      const m = log.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) resolve(m[1]);
    });
    server.on('exit', (code) => reject(new Error(`dezone exited (${code}) before listening:\n${log}`)));
    server.on('error', reject);
  });
}

/** Where the host serves the map libraries of other front ends from (npm). */
const VENDOR = {
  'maplibre-gl': path.join(import.meta.dirname, 'node_modules/maplibre-gl/dist'),
  ol: path.join(import.meta.dirname, 'node_modules/ol/dist'),
};
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

/** A page of the host: `body` with the dezone origin as `window.DEZONE`. */
function hostPage(origin, title, head, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<link rel="icon" href="data:,">${head}</head><body style="margin:0;font:16px sans-serif">
<h1 style="font-size:18px;margin:8px">${title}</h1>
<script>window.DEZONE = ${JSON.stringify(origin)};</script>${body}</body></html>`;
}

/**
 * A dashboard on another origin (another port): `/` embeds the map in an
 * iframe; `/maplibre` and `/openlayers` draw the zones with those libraries,
 * fetching the GeoJSON from dezone across origins; `/vendor/LIB/FILE` serves
 * the libraries' files from node_modules; `/dezone/…` is dezone itself, behind
 * a path prefix, as a reverse proxy serves it.
 */
function startHost(origin) {
  const pages = {
    '/': hostPage(origin, 'A dashboard on another origin', '',
      `<iframe src="${origin}/map?embed=1" width="800" height="560" style="border:1px solid #999"
  title="De-escalation zones" loading="eager"></iframe>`),
    '/maplibre': hostPage(origin, 'MapLibre GL JS on another origin',
      '<link rel="stylesheet" href="/vendor/maplibre-gl/maplibre-gl.css">',
      `<div id="map" style="width:800px;height:560px"></div>
<script type="module">
import { Map } from '/vendor/maplibre-gl/maplibre-gl.mjs';
const map = new Map({
  container: 'map',
  style: { version: 8, sources: {}, layers: [{ id: 'bg', type: 'background', paint: { 'background-color': '#f4f1ea' } }] },
  center: [37.2, 34.6], zoom: 5.6, attributionControl: false,
});
window.map = map;
map.on('load', () => {
  map.addSource('zones', { type: 'geojson', data: DEZONE + '/collections/zones/items', promoteId: 'number' });
  map.addLayer({ id: 'zones', type: 'fill', source: 'zones', paint: { 'fill-color': '#b03a2e', 'fill-opacity': 0.5 } });
  map.once('idle', () => { document.body.dataset.map = 'ready'; });
});
map.on('error', (e) => { document.body.dataset.error = String(e.error && e.error.message || e.error); });
</script>`),
    '/openlayers': hostPage(origin, 'OpenLayers on another origin',
      '<script src="/vendor/ol/ol.js"></script>',
      `<div id="map" style="width:800px;height:560px"></div>
<script>
const layer = (url) => new ol.layer.Vector({ source: new ol.source.Vector({ url, format: new ol.format.GeoJSON() }) });
const zones = layer(DEZONE + '/collections/zones/items');
const governorates = layer(DEZONE + '/collections/governorates/items?limit=100');
const map = new ol.Map({
  target: 'map', layers: [governorates, zones], controls: [],
  view: new ol.View({ center: ol.proj.fromLonLat([37.2, 34.6]), zoom: 6.5 }),
});
window.ol_ = { map, zones: zones.getSource(), governorates: governorates.getSource() };
let pending = 2;
for (const source of [zones.getSource(), governorates.getSource()]) {
  source.once('featuresloadend', () => { if (--pending === 0) map.once('rendercomplete', () => { document.body.dataset.map = 'ready'; }); });
  source.once('featuresloaderror', () => { document.body.dataset.error = 'features did not load'; });
}
</script>`),
  };
  return new Promise((resolve) => {
    host = http.createServer((req, res) => {
      const url = new URL(req.url, 'http://host');
      const page = pages[url.pathname];
      if (url.pathname.startsWith(PREFIX + '/')) {
        proxy(origin, req, res, req.url.slice(PREFIX.length));
        return;
      }
      const vendor = url.pathname.match(/^\/vendor\/([a-z-]+)\/([a-zA-Z0-9_.-]+)$/);
      if (page) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(page);
      } else if (vendor && VENDOR[vendor[1]] && TYPES[path.extname(vendor[2])]) {
        try {
          const body = readFileSync(path.join(VENDOR[vendor[1]], vendor[2]));
          res.writeHead(200, { 'content-type': TYPES[path.extname(vendor[2])] });
          res.end(body);
        } catch {
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end('not found');
        }
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found');
      }
    });
    host.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${host.address().port}`));
  });
}

/** The path prefix under which the host passes requests on to dezone. */
const PREFIX = '/dezone';

/** Passes `req` on to `origin` at `target`, as a reverse proxy mounting dezone under a prefix. */
function proxy(origin, req, res, target) {
  const { hostname, port } = new URL(origin);
  const upstream = http.request({ hostname, port, path: target, method: req.method, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => {
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end('bad gateway');
  });
  req.pipe(upstream);
}

/** Waits for a host page to say it is ready, or fails with what it reported. */
async function waitHostPage(page) {
  const state = await page.waitForFunction(
    () => document.body.dataset.map === 'ready' || document.body.dataset.error,
    null,
    { timeout: 20000 },
  );
  const error = await page.evaluate(() => document.body.dataset.error);
  assert(!error, `the page reported: ${error}`);
  return state;
}

/** A fresh page with request blocking and console capture. */
async function newPage(context, label) {
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`${label}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`${label}: uncaught ${e.message}`));
  return page;
}

async function waitReady(frameOrPage) {
  await frameOrPage.waitForSelector('body[data-map="ready"]', { timeout: 20000 });
}

/** Clicks the map at lon/lat after centring there at `zoom`. */
async function clickAt(page, [lon, lat], zoom) {
  const point = await page.evaluate(([lon, lat, zoom]) => {
    const map = window.dezone.map;
    map.setView([lat, lon], zoom, { animate: false });
    const p = map.latLngToContainerPoint([lat, lon]);
    const box = map.getContainer().getBoundingClientRect();
    return { x: box.left + p.x, y: box.top + p.y };
  }, [lon, lat, zoom]);
  await page.mouse.click(point.x, point.y);
}

async function popupText(page, states) {
  const selector = states.map((s) => `.leaflet-popup-content .dezone-popup[data-state="${s}"]`).join(', ');
  const popup = await page.waitForSelector(selector, { timeout: 10000 });
  // Let Leaflet's fade-in finish, for the screenshots.
  await page.waitForFunction(() => {
    const p = document.querySelector('.leaflet-popup');
    return p && getComputedStyle(p).opacity === '1';
  }, null, { timeout: 5000 });
  return { state: await popup.getAttribute('data-state'), text: await popup.innerText() };
}

async function main() {
  assert(BIN, 'DEZONE_BIN is not set (run tests/browser/run.sh)');
  const origin = await startServer();
  const hostOrigin = await startHost(origin);
  console.log(`dezone at ${origin}; embedding page at ${hostOrigin}`);

  // A fresh profile (--user-data-dir) for every run, deleted at the end.
  profile = mkdtempSync(path.join(os.tmpdir(), 'dezone-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-default-apps',
      '--disable-extensions',
      // Belt and braces: no name resolves, so nothing but 127.0.0.1 is reachable.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
  const context = browser;
  context.setDefaultTimeout(15000);
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1' || url.protocol === 'data:') return route.continue();
    outsideRequests.push(url.href);
    return route.abort('blockedbyclient');
  });
  context.on('request', (request) => {
    const url = new URL(request.url());
    if (!['127.0.0.1'].includes(url.hostname) && url.protocol !== 'data:') outsideRequests.push(url.href);
  });

  const page = await newPage(context, '/map');

  await check('the page loads and draws the four zones over the governorates', async () => {
    const response = await page.goto(`${origin}/map`);
    assert(response.status() === 200, `status ${response.status()}`);
    await waitReady(page);
    const zones = await page.$$eval('path.dezone-zone', (paths) => paths.map((p) => {
      const box = p.getBBox();
      return { cls: p.getAttribute('class'), d: (p.getAttribute('d') || '').length, w: box.width, h: box.height };
    }));
    assert(zones.length === 4, `${zones.length} zone paths: ${JSON.stringify(zones)}`);
    for (const z of zones) assert(z.d > 20 && z.w > 1 && z.h > 1, `empty zone shape ${JSON.stringify(z)}`);
    for (const id of ['idlib', 'northern-homs', 'eastern-ghouta', 'southern']) {
      assert(zones.some((z) => z.cls.includes(`dezone-zone-${id}`)), `no shape for ${id}`);
    }
    const governorates = await page.$$eval('path.dezone-governorate', (p) => p.length);
    assert(governorates === 14, `${governorates} governorate outlines`);
    const labels = await page.$$eval('.dezone-label-text', (l) => l.map((x) => x.textContent));
    assert(labels.length === 4 && labels.some((l) => l.includes('Eastern Ghouta')), `labels ${labels}`);
    const fills = await page.$$eval('path.dezone-zone', (p) => new Set(p.map((x) => x.getAttribute('fill'))).size);
    assert(fills === 4, `${fills} distinct fill colours`);
    await page.screenshot({ path: path.join(OUTPUT, 'map.png') });
  });

  await check('the legend is a keyboard-reachable list of the four zones, and attribution is visible', async () => {
    const items = await page.$$eval('#zones li button', (b) => b.map((x) => x.innerText.replace(/\s+/g, ' ').trim()));
    assert(items.length === 4 && items[0].includes('Idlib'), `legend ${items}`);
    const focused = [];
    for (let i = 0; i < 12 && focused.length < 4; i++) {
      await page.keyboard.press('Tab');
      const zone = await page.evaluate(() => document.activeElement && document.activeElement.getAttribute('data-zone'));
      if (zone && !focused.includes(zone)) focused.push(zone);
    }
    assert(focused.length === 4, `Tab reached ${focused}`);
    const attribution = await page.innerText('.leaflet-control-attribution');
    for (const name of ['OCHA', "Who's On First", 'GeoNames']) {
      assert(attribution.includes(name), `attribution lacks ${name}: ${attribution}`);
    }
    assert(await page.isVisible('.leaflet-control-attribution'), 'attribution hidden');
  });

  await check('choosing a zone in the list shows its metadata', async () => {
    await page.click('#zones button[data-zone="northern-homs"]');
    const { text } = await popupText(page, ['zone']);
    for (const want of ['Zone 2: Northern Homs', 'Provinces', 'Homs', '2017-05-06', '2018-05-16', 'km²', 'Approximate']) {
      assert(text.includes(want), `metadata lacks ${want}: ${text}`);
    }
    const status = await page.innerText('#status');
    assert(status.includes('Northern Homs'), `status region says ${status}`);
  });

  await check('clicking at Idlib city shows the Idlib zone, its edge distance and metadata', async () => {
    await clickAt(page, IDLIB_CITY, 9);
    const { state, text } = await popupText(page, ['inside', 'outside', 'error']);
    assert(state === 'inside', `state ${state}: ${text}`);
    assert(/Inside zone 1: Idlib/.test(text), text);
    assert(/\d km from the zone’s edge/.test(text), text);
    assert(text.includes('Idleb') && text.includes('SY07'), `governorate: ${text}`);
    assert(text.includes('Provinces') && text.includes('Approximate'), `metadata: ${text}`);
    await page.screenshot({ path: path.join(OUTPUT, 'idlib-click.png') });
  });

  await check('clicking in central Damascus shows "outside", nearest Eastern Ghouta with a distance', async () => {
    await clickAt(page, DAMASCUS, 11);
    const { state, text } = await popupText(page, ['inside', 'outside', 'error']);
    assert(state === 'outside', `state ${state}: ${text}`);
    assert(/outside/i.test(text), text);
    assert(/Nearest zone: 3 Eastern Ghouta, \d+(\.\d+)? km away/.test(text), text);
    assert(text.includes('Damascus'), `governorate: ${text}`);
    await page.screenshot({ path: path.join(OUTPUT, 'damascus-click.png') });
  });

  await check('hovering a zone highlights it', async () => {
    await page.evaluate(() => window.dezone.map.closePopup());
    await page.evaluate(() => window.dezone.map.fitBounds(window.dezone.layers.southern.getBounds(), { animate: false }));
    const p = await page.evaluate(() => {
      const map = window.dezone.map;
      const at = window.dezone.props.southern.representative_point;
      const c = map.latLngToContainerPoint([at[1], at[0]]);
      const box = map.getContainer().getBoundingClientRect();
      return { x: box.left + c.x, y: box.top + c.y + 20 };
    });
    await page.mouse.move(p.x, p.y);
    await page.waitForSelector('path.dezone-zone-southern.is-hovered', { timeout: 5000 });
    const width = await page.getAttribute('path.dezone-zone-southern', 'stroke-width');
    assert(Number(width) > 2, `stroke-width ${width}`);
  });

  await check('?point=lon,lat drops a marker and opens its answer', async () => {
    const p = await newPage(context, '/map?point');
    await p.goto(`${origin}/map?point=36.63,35.93`);
    await waitReady(p);
    await p.waitForSelector('path.dezone-point', { timeout: 5000 });
    const { state, text } = await popupText(p, ['inside', 'outside', 'error']);
    assert(state === 'inside' && text.includes('Idlib'), `${state}: ${text}`);
    await p.close();
  });

  await check('/map?zone=eastern-ghouta&embed=1 fits that zone without chrome', async () => {
    const p = await newPage(context, '/map?zone&embed');
    await p.setViewportSize({ width: 800, height: 560 });
    await p.goto(`${origin}/map?zone=eastern-ghouta&embed=1`);
    await waitReady(p);
    const view = await p.evaluate(() => {
      const map = window.dezone.map;
      const zone = window.dezone.layers['eastern-ghouta'].getBounds();
      return {
        contains: map.getBounds().contains(zone),
        zoom: map.getZoom(),
        fit: map.getBoundsZoom(zone),
        highlighted: document.querySelector('path.dezone-zone-eastern-ghouta').classList.contains('is-selected'),
      };
    });
    assert(view.contains, 'the zone is not wholly in view');
    assert(view.zoom >= view.fit - 0.5, `zoom ${view.zoom}, the zone fits at ${view.fit}`);
    assert(view.zoom >= 9, `zoom ${view.zoom} is not fitted to a small zone`);
    assert(view.highlighted, 'the zone is not highlighted');
    assert((await p.$$('#panel, .skip, h1')).length === 0, 'chrome present in embed mode');
    assert(await p.isVisible('.legend'), 'legend hidden');
    assert((await p.innerText('.leaflet-control-attribution')).includes('OCHA'), 'attribution missing');
    await p.screenshot({ path: path.join(OUTPUT, 'embed-eastern-ghouta.png') });
    await p.close();
  });

  await check('an <iframe> of /map?embed=1 in a page from another origin loads and draws', async () => {
    const p = await newPage(context, 'iframe host');
    await p.goto(`${hostOrigin}/`);
    const handle = await p.waitForSelector('iframe', { timeout: 5000 });
    const frame = await handle.contentFrame();
    assert(frame, 'no frame');
    await waitReady(frame);
    const n = await frame.$$eval('path.dezone-zone', (x) => x.length);
    assert(n === 4, `${n} zones in the frame`);
    assert(new URL(frame.url()).origin !== new URL(p.url()).origin, 'the frame is not cross-origin');
    await p.screenshot({ path: path.join(OUTPUT, 'iframe-other-origin.png') });
    await p.close();
  });

  await check('a zone file of 12 zones draws all 12, though items come 10 to a page', async () => {
    // Twelve boxes in eastern Syria, each with the properties a zone file needs.
    const boxes = Array.from({ length: 12 }, (_, i) => {
      const [lon, lat] = [38.2 + (i % 4) * 0.6, 34.4 + Math.floor(i / 4) * 0.6];
      return {
        type: 'Feature',
        id: `box-${i + 1}`,
        geometry: { type: 'Polygon', coordinates: [[[lon, lat], [lon + 0.4, lat], [lon + 0.4, lat + 0.4], [lon, lat + 0.4], [lon, lat]]] },
        properties: {
          number: i + 1, name: `Box ${i + 1}`, provinces: ['Homs'], description: 'a test box',
          guarantors: ['Russia', 'Iran', 'Turkey'], signed: '2017-05-04', in_force: '2017-05-06',
          source: 'browser test fixture, not a real zone',
        },
      };
    });
    const file = path.join(profile, 'twelve-boxes.geojson');
    writeFileSync(file, JSON.stringify({ type: 'FeatureCollection', features: boxes }));
    const twelve = await startServer(['--geodata', file]);
    const p = await newPage(context, '/map with 12 zones');
    await p.goto(`${twelve}/map`);
    await waitReady(p);
    const drawn = await p.$$eval('path.dezone-zone', (x) => x.length);
    assert(drawn === 12, `${drawn} zones drawn`);
    await p.close();
  });

  await check('MapLibre GL JS on another origin draws the zones from /collections/zones/items', async () => {
    const p = await newPage(context, 'maplibre');
    await p.goto(`${hostOrigin}/maplibre`);
    await waitHostPage(p);
    const seen = await p.evaluate(([idlib, damascus]) => {
      const map = window.map;
      // The vector tiles keep properties, not GeoJSON's string ids: the page
      // promotes the zones' numbers to feature ids (README, "The map page").
      const at = (lonLat) => map.queryRenderedFeatures(map.project(lonLat), { layers: ['zones'] })
        .map((f) => f.id);
      return {
        ids: [...new Set(map.querySourceFeatures('zones').map((f) => f.id))].sort(),
        idlib: at(idlib),
        damascus: at(damascus),
      };
    }, [IDLIB_CITY, DAMASCUS]);
    assert(JSON.stringify(seen.ids) === '[1,2,3,4]', `source features numbered ${seen.ids}`);
    assert(JSON.stringify(seen.idlib) === '[1]', `at Idlib city: zones numbered ${seen.idlib}`);
    assert(seen.damascus.length === 0, `in central Damascus: ${seen.damascus}`);
    await p.screenshot({ path: path.join(OUTPUT, 'maplibre-other-origin.png') });
    await p.close();
  });

  await check('OpenLayers on another origin reads the zones and governorates as GeoJSON', async () => {
    const p = await newPage(context, 'openlayers');
    await p.goto(`${hostOrigin}/openlayers`);
    await waitHostPage(p);
    const seen = await p.evaluate(([idlib, damascus]) => {
      const { zones, governorates } = window.ol_;
      const at = (source, lonLat) => source.getFeaturesAtCoordinate(ol.proj.fromLonLat(lonLat))
        .map((f) => f.getId());
      return {
        zones: zones.getFeatures().map((f) => f.getId()).sort(),
        governorates: governorates.getFeatures().length,
        idlib: at(zones, idlib),
        damascus: at(zones, damascus),
        governorate: at(governorates, damascus),
      };
    }, [IDLIB_CITY, DAMASCUS]);
    const all = ['eastern-ghouta', 'idlib', 'northern-homs', 'southern'];
    assert(JSON.stringify(seen.zones) === JSON.stringify(all), `zones ${seen.zones}`);
    assert(seen.governorates === 14, `${seen.governorates} governorates`);
    assert(JSON.stringify(seen.idlib) === '["idlib"]', `at Idlib city: ${seen.idlib}`);
    assert(seen.damascus.length === 0, `in central Damascus: ${seen.damascus}`);
    assert(JSON.stringify(seen.governorate) === '["SY01"]', `governorate in central Damascus: ${seen.governorate}`);
    await p.screenshot({ path: path.join(OUTPUT, 'openlayers-other-origin.png') });
    await p.close();
  });

  await check('Swagger UI at /docs loads the API description from the service', async () => {
    const p = await newPage(context, '/docs');
    const response = await p.goto(`${origin}/docs`);
    assert(response && response.ok(), `status ${response && response.status()}`);
    assert(new URL(p.url()).pathname === '/docs/', `landed on ${p.url()}`);
    await p.waitForSelector('.opblock', { timeout: 15000 });
    const operations = await p.$$eval('.opblock', (x) => x.length);
    assert(operations >= 10, `${operations} operations shown`);
    await p.screenshot({ path: path.join(OUTPUT, 'docs.png') });
    await p.close();
  });

  await check('Swagger UI behind a path prefix sends "Try it out" requests under the prefix', async () => {
    const p = await newPage(context, 'docs behind a prefix');
    const response = await p.goto(`${hostOrigin}${PREFIX}/docs`);
    assert(response && response.ok(), `status ${response && response.status()}`);
    const op = p.locator('#operations-locate-locate_point');
    await op.locator('.opblock-summary').click();
    await op.locator('button.try-out__btn').click();
    await op.locator('input[placeholder="lon"]').fill(String(IDLIB_CITY[0]));
    await op.locator('input[placeholder="lat"]').fill(String(IDLIB_CITY[1]));
    const [answer] = await Promise.all([
      p.waitForResponse((r) => new URL(r.url()).pathname.endsWith('/locate')),
      op.locator('button.execute').click(),
    ]);
    const sent = new URL(answer.url());
    assert(sent.origin === hostOrigin && sent.pathname === `${PREFIX}/locate`, `sent to ${answer.url()}`);
    assert(answer.status() === 200, `status ${answer.status()} from ${answer.url()}`);
    const body = await answer.json();
    assert(body.zones.map((z) => z.id).join() === 'idlib', `zones ${JSON.stringify(body.zones)}`);
    await p.close();
  });

  await check('invalid parameters get a 400 problem, not a page', async () => {
    const p = await newPage(context, 'bad parameter');
    const response = await p.request.get(`${origin}/map?zone=raqqa`);
    assert(response.status() === 400, `status ${response.status()}`);
    assert(response.headers()['content-type'].startsWith('application/problem+json'), 'not a problem');
    await p.close();
  });

  await check('the pages asked for nothing outside 127.0.0.1', async () => {
    assert(outsideRequests.length === 0, `requests: ${outsideRequests.join(', ')}`);
  });

  await check('no console errors', async () => {
    assert(consoleErrors.length === 0, consoleErrors.join('\n'));
  });
}

main()
  .catch((error) => {
    results.push({ name: 'setup', ok: false });
    console.log(`FAIL setup: ${error && error.stack ? error.stack : error}`);
  })
  .finally(() => {
    const passed = results.filter((r) => r.ok).length;
    const failed = results.length - passed;
    console.log(`\n${passed} passed, ${failed} failed (${((Date.now() - started) / 1000).toFixed(1)} s); screenshots in ${OUTPUT}`);
    shutdown(failed === 0 && passed > 0 ? 0 : 1);
  });
