// Egret dependency page: reads /api/v1/dependencies with the bearer token kept in sessionStorage.
'use strict';
(function () {
  const KEY = 'egret-token';
  const COLORS = { allow: '#2e7d32', 'audit-deny': '#ef6c00', deny: '#c62828', circular: '#6a1b9a' };
  const SVG = 'http://www.w3.org/2000/svg';
  const status = document.getElementById('status');
  const graphs = document.getElementById('graphs');

  function token() {
    const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    if (m) {
      sessionStorage.setItem(KEY, decodeURIComponent(m[1]));
      history.replaceState(null, '', location.pathname + location.search);
    }
    let t = sessionStorage.getItem(KEY);
    if (!t) {
      t = window.prompt('Egret API token (viewer or admin)');
      if (t) {
        sessionStorage.setItem(KEY, t.trim());
      }
    }
    return t;
  }

  /** The worst verdict seen: deny, then audit-deny, then allow. */
  function verdictOf(d) {
    if (d.verdicts.deny) return 'deny';
    if (d.verdicts['audit-deny']) return 'audit-deny';
    return 'allow';
  }

  function el(name, attrs, text) {
    const e = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function html(name, attrs, text) {
    const e = document.createElement(name);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function label(d) {
    return d.destination + (d.port === null ? ' (dns)' : ':' + d.port + '/' + d.protocol);
  }

  function graph(w) {
    const row = 40, width = 980, boxW = 330, destX = 500;
    const n = w.destinations.length;
    const height = Math.max(80, n * row + 20);
    const svg = el('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
      'aria-label': 'destinations of ' + w.workload });
    const wy = height / 2;
    const g = el('g', { class: 'workload-node' });
    g.appendChild(el('rect', { x: 10, y: wy - 20, width: 260, height: 40, rx: 6, fill: '#eceff1', stroke: '#455a64' }));
    g.appendChild(el('text', { x: 20, y: wy + 4 }, w.workload.length > 38 ? '…' + w.workload.slice(-37) : w.workload));
    svg.appendChild(g);
    w.destinations.forEach((d, i) => {
      const v = verdictOf(d);
      const circular = d.flags.includes('circular');
      const y = 10 + i * row + row / 2;
      const node = el('g', { class: 'destination ' + v + (circular ? ' circular' : ''), 'data-destination': d.destination,
        'data-verdict': v, 'data-flags': d.flags.join(' ') });
      node.appendChild(el('path', { d: `M270 ${wy} C 390 ${wy}, 380 ${y}, ${destX} ${y}`, fill: 'none', stroke: COLORS[v],
        'stroke-width': Math.min(8, 2 + Math.log10(d.count + 1) * 2) }));
      node.appendChild(el('rect', { x: destX, y: y - 15, width: boxW, height: 30, rx: 5, fill: COLORS[v] }));
      if (circular) {
        node.appendChild(el('rect', { class: 'circular-marker', x: destX - 5, y: y - 19, width: boxW + 10, height: 38,
          rx: 7, fill: 'none', stroke: COLORS.circular, 'stroke-width': 4, 'stroke-dasharray': '8 4' }));
        node.appendChild(el('text', { x: destX + boxW + 12, y: y + 4, fill: COLORS.circular, 'font-weight': 'bold' },
          '⟲ circular'));
      }
      const text = label(d);
      node.appendChild(el('text', { x: destX + 8, y: y + 4, fill: '#fff' },
        (text.length > 44 ? text.slice(0, 43) + '…' : text) + '  ×' + d.count));
      node.appendChild(el('title', {}, `${text}\n${JSON.stringify(d.verdicts)}\n${d.flags.join(', ')}`));
      svg.appendChild(node);
    });
    return svg;
  }

  function table(w) {
    const t = html('table', { class: 'destinations' });
    const head = html('tr');
    ['destination', 'port', 'kinds', 'count', 'verdicts', 'first seen', 'last seen', 'flags']
      .forEach(h => head.appendChild(html('th', {}, h)));
    t.appendChild(head);
    for (const d of w.destinations) {
      const tr = html('tr', { 'data-destination': d.destination });
      [d.destination, d.port === null ? '' : d.port + '/' + d.protocol, d.kinds.join(', '), String(d.count),
        Object.entries(d.verdicts).map(([k, v]) => k + ' ' + v).join(', '), d.firstSeen, d.lastSeen]
        .forEach(c => tr.appendChild(html('td', {}, c)));
      const flags = html('td', { class: 'flags' });
      d.flags.forEach(f => flags.appendChild(html('span', { class: f }, f + ' ')));
      tr.appendChild(flags);
      t.appendChild(tr);
    }
    return t;
  }

  function render(data) {
    graphs.replaceChildren();
    for (const w of data.workloads) {
      const s = html('section', { class: 'workload', 'data-workload': w.workload });
      s.appendChild(html('h2', {}, w.workload));
      const circular = w.destinations.filter(d => d.flags.includes('circular')).length;
      s.appendChild(html('p', { class: 'meta' }, `policy ${w.policy || '(none)'} · mode ${w.mode || '(policy not held)'} · nodes ` +
        `${w.nodes.join(', ')} · ${w.destinations.length} destinations · ${circular} circular`));
      s.appendChild(graph(w));
      s.appendChild(table(w));
      graphs.appendChild(s);
    }
    status.className = '';
    status.textContent = data.workloads.length + (data.workloads.length === 1 ? ' workload' : ' workloads');
  }

  async function load() {
    const t = token();
    if (!t) {
      status.className = 'error';
      status.textContent = 'No token: open this page as /ui/#token=<token>, or use the Token button.';
      return;
    }
    const w = document.getElementById('workload').value.trim();
    const url = '/api/v1/dependencies' + (w ? '?workload=' + encodeURIComponent(w) : '');
    try {
      const r = await fetch(url, { headers: { Authorization: 'Bearer ' + t, Accept: 'application/json' } });
      if (r.status === 401) {
        sessionStorage.removeItem(KEY);
        throw new Error('the token was refused (401)');
      }
      if (!r.ok) {
        throw new Error('HTTP ' + r.status + ': ' + await r.text());
      }
      render(await r.json());
    } catch (e) {
      status.className = 'error';
      status.textContent = 'Cannot load dependencies: ' + e.message;
    }
  }

  document.getElementById('filter').addEventListener('submit', e => { e.preventDefault(); load(); });
  document.getElementById('set-token').addEventListener('click', () => { sessionStorage.removeItem(KEY); load(); });
  load();
})();
