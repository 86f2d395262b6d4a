// Draws the console's charts with Chart.js (served beside it as /console/assets/chart.umd.min.js):
// each <canvas data-chart="messages|reasons|traffic" data-src="..."> fetches its JSON from the
// console (same origin, the session cookie) and draws it, again every data-refresh-ms (default
// 30 s). The numbers are also in text beside the charts (tables, or the element named by
// data-summary), for screen readers and for anyone without scripts.
export const ACTIVITY_CHARTS_JS = `'use strict';
(function () {
  // Per installation a pair: received, delivered (dashed too, so equal lines stay apart).
  var PALETTE = [['#1d5fbf', '#17663a'], ['#8a4b00', '#6a3fa0'], ['#a3202a', '#00707a'], ['#4f5868', '#b0318a']];
  var MINUTE = 60000;

  function pad(n) { return n < 10 ? '0' + n : String(n); }
  function clock(ms) {
    var d = new Date(ms);
    return pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes());
  }

  // Minutes without traffic are absent from the answer: the axis gets every minute, at zero.
  function messageDatasets(data) {
    var since = Date.parse(data.since);
    var count = Math.max(1, Math.ceil((Date.now() - since) / MINUTE));
    data.range = { min: since, max: since + (count - 1) * MINUTE };
    var byInstallation = {};
    data.minutes.forEach(function (m) {
      var entry = byInstallation[m.installationId];
      if (!entry) {
        entry = byInstallation[m.installationId] = {
          label: m.channelType + ' ' + m.installationId.slice(0, 8), inbound: {}, delivered: {}
        };
      }
      var at = Date.parse(m.minute);
      entry.inbound[at] = m.inbound;
      entry.delivered[at] = m.delivered;
    });
    var datasets = [];
    Object.keys(byInstallation).forEach(function (id, index) {
      var entry = byInstallation[id];
      var pair = PALETTE[index % PALETTE.length];
      ['inbound', 'delivered'].forEach(function (kind, k) {
        var colour = pair[k];
        var points = [];
        for (var i = 0; i < count; i++) {
          var at = since + i * MINUTE;
          points.push({ x: at, y: entry[kind][at] || 0 });
        }
        datasets.push({
          label: kind + ' · ' + entry.label,
          data: points,
          borderColor: colour,
          backgroundColor: colour,
          borderDash: kind === 'delivered' ? [6, 4] : [],
          borderWidth: 2,
          pointRadius: 0,
          tension: 0.2
        });
      });
    });
    return datasets;
  }

  function drawMessages(canvas, data) {
    var datasets = messageDatasets(data);
    var hour = data.window === '1h';
    return new Chart(canvas, {
      type: 'line',
      data: { datasets: datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        parsing: false,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        scales: {
          x: {
            type: 'linear', min: data.range.min, max: data.range.max,
            ticks: { callback: clock, stepSize: (hour ? 5 : 120) * MINUTE, maxRotation: 0 },
            title: { display: true, text: 'UTC' }
          },
          y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'events per minute' } }
        },
        plugins: { tooltip: { callbacks: { title: function (items) { return items.length ? clock(items[0].parsed.x) : ''; } } } }
      }
    });
  }

  // The home page's small chart: every installation of the workspace added up, two lines.
  function drawTraffic(canvas, data) {
    var since = Date.parse(data.since);
    var count = Math.max(1, Math.ceil((Date.now() - since) / MINUTE));
    var sums = { inbound: {}, delivered: {} };
    var totals = { inbound: 0, delivered: 0 };
    data.minutes.forEach(function (m) {
      var at = Date.parse(m.minute);
      sums.inbound[at] = (sums.inbound[at] || 0) + m.inbound;
      sums.delivered[at] = (sums.delivered[at] || 0) + m.delivered;
      totals.inbound += m.inbound;
      totals.delivered += m.delivered;
    });
    var colours = { inbound: '#1d5fbf', delivered: '#17663a' };
    var datasets = ['inbound', 'delivered'].map(function (kind) {
      var points = [];
      for (var i = 0; i < count; i++) {
        var at = since + i * MINUTE;
        points.push({ x: at, y: sums[kind][at] || 0 });
      }
      return {
        label: kind === 'inbound' ? 'received' : 'delivered',
        data: points,
        borderColor: colours[kind],
        backgroundColor: colours[kind],
        borderDash: kind === 'delivered' ? [6, 4] : [],
        borderWidth: 2,
        // A dot on every minute with traffic: one message in an hour is still visible.
        pointRadius: function (context) { return context.raw && context.raw.y > 0 ? 3 : 0; },
        tension: 0.2
      };
    });
    var summary = document.getElementById(canvas.getAttribute('data-summary') || '');
    if (summary) {
      summary.textContent = totals.inbound + ' received, ' + totals.delivered + ' delivered to agents in the last hour.';
    }
    canvas.setAttribute('data-inbound', String(totals.inbound));
    canvas.setAttribute('data-delivered', String(totals.delivered));
    return new Chart(canvas, {
      type: 'line',
      data: { datasets: datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        parsing: false,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        scales: {
          x: {
            type: 'linear', min: since, max: since + (count - 1) * MINUTE,
            ticks: { callback: clock, stepSize: 10 * MINUTE, maxRotation: 0 }
          },
          y: { beginAtZero: true, suggestedMax: 2, ticks: { precision: 0 } }
        },
        plugins: {
          legend: { position: 'bottom', labels: { boxHeight: 2 } },
          tooltip: { callbacks: { title: function (items) { return items.length ? clock(items[0].parsed.x) : ''; } } }
        }
      }
    });
  }

  function drawReasons(canvas, data) {
    // A bar per reason at a readable height, however many reasons there are.
    canvas.parentNode.style.height = Math.max(6, 2.2 * data.reasons.length + 3) + 'rem';
    return new Chart(canvas, {
      type: 'bar',
      data: {
        labels: data.reasons.map(function (r) { return r.reason; }),
        datasets: [{
          label: 'decisions',
          maxBarThickness: 26,
          data: data.reasons.map(function (r) { return r.count; }),
          backgroundColor: data.reasons.map(function (r) {
            return r.reason === 'delivered' ? '#17663a' : r.reason === 'delivery_failed' || r.reason === 'processing_failed' ? '#a3202a' : '#1d5fbf';
          })
        }]
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        indexAxis: 'y',
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { display: false } }
      }
    });
  }

  var DRAW = { messages: drawMessages, reasons: drawReasons, traffic: drawTraffic };

  function load(canvas) {
    var draw = DRAW[canvas.getAttribute('data-chart')];
    if (!draw || typeof Chart === 'undefined') return;
    fetch(canvas.getAttribute('data-src'), { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.json();
      })
      .then(function (data) {
        var old = Chart.getChart(canvas);
        if (old) old.destroy();
        draw(canvas, data);
        canvas.setAttribute('data-loaded', 'true');
      })
      .catch(function (error) {
        canvas.setAttribute('data-error', String(error && error.message || error));
      });
  }

  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('canvas[data-chart]').forEach(function (canvas) {
      load(canvas);
      // Live enough for an operator watching traffic, cheap enough for the API's rate limit.
      var every = Number(canvas.getAttribute('data-refresh-ms')) || 30000;
      setInterval(function () { load(canvas); }, Math.max(every, 2000));
    });
  });
})();
`;
