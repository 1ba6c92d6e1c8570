/*
 * dezone's map page (GET /map): draws the four de-escalation zones with Leaflet.
 *
 * Everything comes from the service itself, by URLs relative to the page, so
 * the page works with no internet and behind a path prefix:
 *   collections/zones/items                   the zones (GeoJSON, with metadata),
 *                                             and ?offset=N for pages after the first
 *   collections/governorates/items            the offline base layer, likewise
 *   locate?lon=&lat=                          the answer shown on a click
 * The server puts the page's parameters, already validated, on #map as data-*
 * attributes. Text from the data or the query is only ever set as textContent
 * (or HTML-escaped where Leaflet takes HTML), never parsed as markup.
 */
(function () {
  'use strict';

  var el = document.getElementById('map');
  if (!el || !window.L) {
    return;
  }
  var L = window.L;
  var ds = el.dataset;

  // ColorBrewer "Paired", 4 classes: the qualitative scheme ColorBrewer marks
  // colour-blind safe at 4 classes. Zone n takes PALETTE[(n - 1) % 4]; map.css
  // gives the legend swatches (.c1 … .c4) the same colours.
  var PALETTE = ['#a6cee3', '#1f78b4', '#b2df8a', '#33a02c'];
  var EDGE = ['#3a7ca5', '#0d3f66', '#4f8a2b', '#14531a'];
  var SYRIA = L.latLngBounds([32.31, 35.72], [37.32, 42.38]);

  var state = {
    ready: false,
    layers: {}, // zone id -> Leaflet layer
    props: {}, // zone id -> GeoJSON properties
    hovered: null,
    selected: ds.zone || null,
    seq: 0
  };
  window.dezone = state;

  var map = L.map(el, {
    zoomControl: false,
    minZoom: 3,
    maxZoom: 18,
    zoomSnap: 0.25,
    zoomDelta: 0.5
  });
  state.map = map;
  L.control.zoom({ position: 'topright' }).addTo(map);
  map.fitBounds(SYRIA);

  map.createPane('dezone-base').style.zIndex = 350;
  var labelPane = map.createPane('dezone-labels');
  labelPane.style.zIndex = 450;
  labelPane.style.pointerEvents = 'none';

  if (ds.attribution) {
    map.attributionControl.addAttribution(escapeHtml(ds.attribution));
  }
  if (ds.tiles) {
    L.tileLayer(ds.tiles, {
      maxZoom: 19,
      attribution: escapeHtml(ds.tilesAttribution || '')
    }).addTo(map);
    el.classList.add('has-tiles');
  }

  var legend = document.getElementById('legend');
  if (legend) {
    var LegendControl = L.Control.extend({
      // Embedded (no title panel), the top-left corner is free and the
      // attribution along the bottom cannot cover the legend.
      options: { position: ds.embed === '1' ? 'topleft' : 'bottomleft' },
      onAdd: function () {
        L.DomEvent.disableClickPropagation(legend);
        L.DomEvent.disableScrollPropagation(legend);
        return legend;
      }
    });
    new LegendControl().addTo(map);
    Array.prototype.forEach.call(legend.querySelectorAll('button[data-zone]'), function (button) {
      var id = button.getAttribute('data-zone');
      button.addEventListener('click', function () {
        showZone(id);
      });
      button.addEventListener('mouseenter', function () {
        hover(id);
      });
      button.addEventListener('mouseleave', function () {
        hover(null);
      });
      button.addEventListener('focus', function () {
        hover(id);
      });
      button.addEventListener('blur', function () {
        hover(null);
      });
    });
  }

  var popup = L.popup({ maxWidth: 340, minWidth: 220, autoPanPadding: [16, 16] });
  map.on('click', function (event) {
    var at = event.latlng.wrap();
    locate(at.lng, at.lat);
  });

  var zonesLoaded = getCollection('collections/zones/items').then(drawZones);
  var baseLoaded = ds.governorates === '1'
    ? getCollection('collections/governorates/items').then(drawBase, function () {
      // The base layer is a backdrop; the zones stay useful without it.
      return null;
    })
    : Promise.resolve(null);

  Promise.all([zonesLoaded, baseLoaded]).then(function () {
    setInitialView();
    state.ready = true;
    document.body.setAttribute('data-map', 'ready');
    if (ds.point) {
      var p = ds.point.split(',').map(Number);
      L.circleMarker([p[1], p[0]], {
        radius: 7,
        color: '#111',
        weight: 2,
        fillColor: '#fff',
        fillOpacity: 1,
        className: 'dezone-point',
        interactive: false
      }).addTo(map);
      locate(p[0], p[1]);
    }
  }, function (error) {
    document.body.setAttribute('data-map', 'error');
    var alert = document.createElement('div');
    alert.className = 'dezone-alert';
    alert.setAttribute('role', 'alert');
    alert.textContent = 'The zones could not be loaded: ' + error.message + '. Reload the page to try again.';
    el.appendChild(alert);
  });

  function getJson(url, accept) {
    return fetch(url, { headers: { Accept: accept + ', application/problem+json' } }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) {
          throw new Error((body && body.detail) || response.status + ' ' + response.statusText);
        }
        return body;
      }, function () {
        throw new Error(response.status + ' ' + response.statusText);
      });
    });
  }

  // Every feature of a collection. The first page is the prepared answer the
  // browser may cache; items come 10 to a page, so a zone file of more than 10
  // zones takes more pages, asked by offset relative to the page (not by the
  // `next` link, which is absolute to the base URL) to stay under any prefix.
  function getCollection(url) {
    return getJson(url, 'application/geo+json').then(function (first) {
      var features = first.features || [];
      function more() {
        if (!(features.length < first.numberMatched)) {
          first.features = features;
          return first;
        }
        return getJson(url + '?offset=' + features.length, 'application/geo+json').then(function (page) {
          if (!page.features || page.features.length === 0) {
            throw new Error(url + ': the service returned fewer features than it matched');
          }
          features = features.concat(page.features);
          return more();
        });
      }
      return more();
    });
  }

  function colour(props, list) {
    var n = Number(props.number) || 1;
    return list[(n - 1) % list.length];
  }

  function zoneStyle(id) {
    var props = state.props[id] || {};
    var strong = id === state.hovered || id === state.selected;
    return {
      color: strong ? '#000' : colour(props, EDGE),
      weight: strong ? 3.5 : 1.5,
      opacity: 1,
      fillColor: colour(props, PALETTE),
      fillOpacity: strong ? 0.75 : 0.55
    };
  }

  function restyle(id) {
    var layer = state.layers[id];
    if (!layer) {
      return;
    }
    layer.setStyle(zoneStyle(id));
    var path = layer.getElement && layer.getElement();
    if (path) {
      path.classList.toggle('is-selected', id === state.selected);
      path.classList.toggle('is-hovered', id === state.hovered);
    }
    var item = legend && legend.querySelector('li[data-zone="' + cssEscape(id) + '"]');
    if (item) {
      item.classList.toggle('is-selected', id === state.selected);
      item.classList.toggle('is-hovered', id === state.hovered);
    }
  }

  function hover(id) {
    var before = state.hovered;
    state.hovered = id;
    if (before) {
      restyle(before);
    }
    if (id) {
      restyle(id);
      if (state.layers[id]) {
        state.layers[id].bringToFront();
      }
    }
  }

  function select(id) {
    var before = state.selected;
    state.selected = id;
    if (before) {
      restyle(before);
    }
    if (id) {
      restyle(id);
    }
  }

  function drawZones(collection) {
    var bounds = L.latLngBounds([]);
    var features = (collection.features || []).slice().sort(function (a, b) {
      return (a.properties.number || 0) - (b.properties.number || 0);
    });
    features.forEach(function (feature) {
      var id = String(feature.id);
      var props = feature.properties || {};
      state.props[id] = props;
      var layer = L.geoJSON(feature, {
        style: function () {
          return zoneStyle(id);
        },
        className: 'dezone-zone dezone-zone-' + id
      });
      // L.geoJSON wraps the one polygon; keep the polygon itself.
      var shape = layer.getLayers()[0];
      shape.options.className = 'dezone-zone dezone-zone-' + id;
      shape.addTo(map);
      state.layers[id] = shape;
      shape.on('mouseover', function () {
        hover(id);
      });
      shape.on('mouseout', function () {
        if (state.hovered === id) {
          hover(null);
        }
      });
      bounds.extend(shape.getBounds());
      var at = props.representative_point;
      if (Array.isArray(at)) {
        var label = document.createElement('span');
        label.className = 'dezone-label-text';
        var number = document.createElement('span');
        number.className = 'n';
        number.textContent = props.number;
        label.appendChild(number);
        label.appendChild(document.createTextNode(' ' + props.name));
        L.marker([at[1], at[0]], {
          icon: L.divIcon({ className: 'dezone-label', html: label, iconSize: null }),
          interactive: false,
          keyboard: false,
          pane: 'dezone-labels'
        }).addTo(map);
      }
      restyle(id);
    });
    state.zoneBounds = bounds;
    return features.length;
  }

  function drawBase(collection) {
    L.geoJSON(collection, {
      pane: 'dezone-base',
      interactive: false,
      style: function () {
        return {
          color: '#8c8c8c',
          weight: 0.8,
          opacity: 1,
          fillColor: '#f7f6f1',
          fillOpacity: ds.tiles ? 0 : 1,
          className: 'dezone-governorate'
        };
      }
    }).addTo(map);
  }

  function setInitialView() {
    var zoom = ds.zoom !== undefined ? Number(ds.zoom) : null;
    if (ds.lon !== undefined && ds.lat !== undefined) {
      map.setView([Number(ds.lat), Number(ds.lon)], zoom === null ? 9 : zoom);
      return;
    }
    var target = ds.zone && state.layers[ds.zone]
      ? state.layers[ds.zone].getBounds()
      : state.zoneBounds && state.zoneBounds.isValid() ? state.zoneBounds : SYRIA;
    map.fitBounds(target, { padding: [24, 24], animate: false });
    if (zoom !== null) {
      map.setZoom(zoom, { animate: false });
    }
    if (ds.zone && state.layers[ds.zone]) {
      state.layers[ds.zone].bringToFront();
      announce(zoneTitle(state.props[ds.zone]) + ' is highlighted.');
    }
  }

  function showZone(id) {
    var layer = state.layers[id];
    var props = state.props[id];
    if (!layer || !props) {
      return;
    }
    select(id);
    layer.bringToFront();
    map.fitBounds(layer.getBounds(), { padding: [32, 32] });
    var box = node('div', 'dezone-popup');
    box.setAttribute('data-state', 'zone');
    box.appendChild(node('h2', null, zoneTitle(props)));
    box.appendChild(zoneDetails(id, props));
    var at = props.representative_point || [layer.getBounds().getCenter().lng, layer.getBounds().getCenter().lat];
    popup.setLatLng([at[1], at[0]]).setContent(box).openOn(map);
    announce(zoneTitle(props) + '. Provinces: ' + (props.provinces || []).join(', ') + '. In force from ' +
      props.valid_from + (props.valid_until ? ' to ' + props.valid_until : ', no end date') + '. Approximate outline.');
  }

  function locate(lon, lat) {
    var seq = ++state.seq;
    var box = node('div', 'dezone-popup');
    box.setAttribute('data-state', 'loading');
    box.appendChild(node('p', 'muted', 'Looking up ' + formatPoint(lon, lat) + '…'));
    popup.setLatLng([lat, lon]).setContent(box).openOn(map);
    var url = 'locate?lon=' + encodeURIComponent(round(lon)) + '&lat=' + encodeURIComponent(round(lat));
    getJson(url, 'application/json').then(function (answer) {
      if (seq !== state.seq) {
        return;
      }
      box.textContent = '';
      announce(fillAnswer(box, answer, lon, lat));
      box.setAttribute('data-state', answer.inside ? 'inside' : 'outside');
      popup.update();
    }, function (error) {
      if (seq !== state.seq) {
        return;
      }
      box.textContent = '';
      box.setAttribute('data-state', 'error');
      box.appendChild(node('p', null, 'No answer: ' + error.message));
      popup.update();
    });
  }

  /** Fills the popup with a /locate answer; returns a one-line summary for the live region. */
  function fillAnswer(box, answer, lon, lat) {
    var summary = [];
    if (answer.inside) {
      var first = answer.zones[0];
      box.appendChild(node('h2', null, 'Inside zone ' + first.number + ': ' + first.name));
      answer.zones.forEach(function (hit) {
        box.appendChild(node('p', 'distance',
          (answer.zones.length > 1 ? hit.name + ': ' : '') +
          formatKm(hit.distance_to_boundary_km) + ' from the zone’s edge'));
        summary.push('Inside zone ' + hit.number + ': ' + hit.name + ', ' +
          formatKm(hit.distance_to_boundary_km) + ' from its edge.');
      });
    } else {
      box.appendChild(node('h2', null, 'Outside the de-escalation zones'));
      if (answer.nearest) {
        box.appendChild(node('p', 'distance',
          'Nearest zone: ' + answer.nearest.number + ' ' + answer.nearest.name + ', ' +
          formatKm(answer.nearest.distance_km) + ' away'));
        summary.push('Outside the zones; the nearest is zone ' + answer.nearest.number + ', ' +
          answer.nearest.name + ', ' + formatKm(answer.nearest.distance_km) + ' away.');
      } else {
        summary.push('Outside the zones.');
      }
    }
    var where = node('p', 'governorate');
    if (answer.governorate) {
      var g = answer.governorate;
      where.appendChild(document.createTextNode('Governorate: ' + g.name_en + ' '));
      var ar = node('span', null, g.name_ar);
      ar.lang = 'ar';
      ar.dir = 'rtl';
      where.appendChild(ar);
      where.appendChild(document.createTextNode(' (' + g.pcode + ')' +
        (g.distance_km > 0 ? ', ' + formatKm(g.distance_km) + ' outside its generalised border' : '')));
      summary.push('Governorate: ' + g.name_en + '.');
    } else {
      where.textContent = answer.in_syria ? 'Governorate unknown' : 'Outside Syria';
      summary.push(where.textContent + '.');
    }
    box.appendChild(where);
    box.appendChild(node('p', 'muted', formatPoint(lon, lat)));
    if (answer.inside) {
      answer.zones.forEach(function (hit) {
        var props = state.props[hit.id];
        if (props) {
          if (answer.zones.length > 1) {
            box.appendChild(node('h3', null, zoneTitle(props)));
          }
          box.appendChild(zoneDetails(hit.id, props));
        }
      });
    }
    return summary.join(' ');
  }

  function zoneDetails(id, props) {
    var wrap = node('div', 'zone-details');
    var list = node('dl');
    function row(term, value) {
      if (value === undefined || value === null || value === '') {
        return;
      }
      list.appendChild(node('dt', null, term));
      list.appendChild(node('dd', null, value));
    }
    if (props.name_ar) {
      var dd = node('dd', null, props.name_ar);
      dd.lang = 'ar';
      dd.dir = 'rtl';
      list.appendChild(node('dt', null, 'Arabic name'));
      list.appendChild(dd);
    }
    row('Provinces', (props.provinces || []).join(', '));
    row('In force', (props.valid_from || '?') + ' – ' + (props.valid_until || 'no end date'));
    if (typeof props.area_km2 === 'number') {
      row('Area', 'about ' + Math.round(props.area_km2).toLocaleString('en') + ' km²');
    }
    row('Source', props.source);
    wrap.appendChild(list);
    if (props.approximate || props.caveat) {
      wrap.appendChild(node('p', 'caveat', props.caveat || 'The outline is approximate.'));
    }
    var more = node('a', null, 'Full record (JSON)');
    more.href = 'zones/' + encodeURIComponent(id);
    more.target = '_blank';
    more.rel = 'noopener';
    wrap.appendChild(more);
    return wrap;
  }

  function zoneTitle(props) {
    return 'Zone ' + props.number + ': ' + props.name;
  }

  function announce(text) {
    var status = document.getElementById('status');
    if (status) {
      status.textContent = text;
    }
  }

  function node(tag, className, text) {
    var n = document.createElement(tag);
    if (className) {
      n.className = className;
    }
    if (text !== undefined && text !== null) {
      n.textContent = String(text);
    }
    return n;
  }

  function round(x) {
    return String(Math.round(x * 1e5) / 1e5);
  }

  function formatPoint(lon, lat) {
    return Math.abs(lat).toFixed(4) + '° ' + (lat < 0 ? 'S' : 'N') + ', ' +
      Math.abs(lon).toFixed(4) + '° ' + (lon < 0 ? 'W' : 'E');
  }

  function formatKm(km) {
    var digits = km < 10 ? 2 : km < 100 ? 1 : 0;
    return Number(km).toLocaleString('en', { maximumFractionDigits: digits }) + ' km';
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function cssEscape(text) {
    return window.CSS && window.CSS.escape ? window.CSS.escape(text) : String(text).replace(/["\\]/g, '\\$&');
  }
}());
