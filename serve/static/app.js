// sweep serve: keeps a page live from its sweep's event stream. Without
// this script the pages are complete; with it, cells, counts, curves, the
// running and failed attempts, a trial's state, attempts, decisions and
// events, and the report follow the database.
"use strict";
(function () {
  const body = document.body;
  const base = body.dataset.sweep;
  const trial = body.dataset.trial; // on a trial's page
  if (!base || !window.EventSource) return;

  // Charts: the same geometry and colours as serve/chart.go.
  const W = 360, H = 170, L = 48, R = 8, T = 8, B = 22;
  const colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];
  const NS = "http://www.w3.org/2000/svg";
  const curves = new Map(); // attempt id → {series key → [[step, value]]}

  function isLoss(k) { return k.endsWith(":loss"); }
  function num(x) { return String(Number(x.toPrecision(4))); }
  function el(name, attrs, text) {
    const e = document.createElementNS(NS, name);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function draw(fig) {
    const set = curves.get(fig.dataset.attempt) || {};
    const keys = Object.keys(set).sort().filter(k => set[k].length > 0 && (fig.dataset.kind === "loss") === isLoss(k));
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (const k of keys) for (const p of set[k]) {
      x0 = Math.min(x0, p[0]); x1 = Math.max(x1, p[0]); y0 = Math.min(y0, p[1]); y1 = Math.max(y1, p[1]);
    }
    const svg = el("svg", {viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img"});
    svg.appendChild(el("rect", {x: L, y: T, width: W - L - R, height: H - T - B, class: "plot"}));
    if (x0 === Infinity) {
      svg.appendChild(el("text", {x: W / 2, y: H / 2, class: "empty"}, "no points yet"));
    } else {
      if (x1 === x0) x1 = x0 + 1;
      if (y1 === y0) { y1 += 0.5; y0 -= 0.5; }
      const sx = x => L + (x - x0) / (x1 - x0) * (W - L - R);
      const sy = y => (H - B) - (y - y0) / (y1 - y0) * (H - T - B);
      svg.appendChild(el("text", {x: L - 4, y: T + 10, class: "tick", "text-anchor": "end"}, num(y1)));
      svg.appendChild(el("text", {x: L - 4, y: H - B, class: "tick", "text-anchor": "end"}, num(y0)));
      svg.appendChild(el("text", {x: W - R, y: H - 6, class: "tick", "text-anchor": "end"}, "step " + num(x1)));
      keys.forEach((k, i) => {
        const pts = set[k].map(p => sx(p[0]).toFixed(1) + "," + sy(p[1]).toFixed(1)).join(" ");
        const line = el("polyline", {fill: "none", stroke: colors[i % colors.length], "stroke-width": "1.6", points: pts});
        if (!k.startsWith("train:")) line.setAttribute("stroke-dasharray", "5 3");
        line.appendChild(el("title", {}, k));
        svg.appendChild(line);
        const last = set[k][set[k].length - 1]; // so that a curve of one point shows too
        svg.appendChild(el("circle", {cx: sx(last[0]).toFixed(1), cy: sy(last[1]).toFixed(1), r: "2.5", fill: colors[i % colors.length]}));
      });
    }
    const old = fig.querySelector("svg");
    if (old) old.replaceWith(svg); else fig.prepend(svg);
    fig.dataset.points = String(keys.reduce((n, k) => n + set[k].length, 0));
  }

  // merge adds the points of steps a series lacks, kept in step order;
  // it reports whether anything was new.
  function merge(id, series) {
    id = String(id);
    const set = curves.get(id) || {};
    let grew = false;
    for (const k in series) {
      const have = set[k] || (set[k] = []);
      let steps = null, unsorted = false;
      for (const p of series[k]) {
        const last = have.length ? have[have.length - 1][0] : -Infinity;
        if (p[0] > last) { have.push(p); grew = true; continue; }
        steps = steps || new Set(have.map(q => q[0]));
        if (!steps.has(p[0])) { have.push(p); steps.add(p[0]); grew = unsorted = true; }
      }
      if (unsorted) have.sort((a, b) => a[0] - b[0]);
    }
    curves.set(id, set);
    return grew;
  }

  function redraw(id) {
    document.querySelectorAll(`figure.chart[data-attempt="${id}"]`).forEach(draw);
  }

  // initCharts draws a section's charts from what the server drew them
  // with and what the stream brought, and forgets the curves of attempts
  // no longer shown.
  function initCharts(root) {
    root.querySelectorAll("figure.chart").forEach(fig => {
      try { merge(fig.dataset.attempt, JSON.parse(fig.dataset.series || "{}")); } catch (e) { /* the server-drawn chart stays */ }
      draw(fig);
    });
    const shown = new Set(attemptsShown());
    for (const id of [...curves.keys()]) if (!shown.has(id)) curves.delete(id);
  }

  function attemptsShown() {
    return [...new Set([...document.querySelectorAll("figure.chart")].map(f => f.dataset.attempt))];
  }

  // get fetches from this sweep's addresses; a failure (the server went
  // away) leaves the page as it is: the stream's reconnection brings it
  // up to date.
  async function get(path, as) {
    try {
      const r = await fetch(base + path, {credentials: "same-origin"});
      return r.ok ? await r[as]() : null;
    } catch (e) {
      return null;
    }
  }

  async function fetchPoints(id) {
    const m = await get(`attempt/${encodeURIComponent(id)}/points`, "json");
    if (m && merge(m.a, m.s)) redraw(m.a);
  }

  async function swap(part) {
    const sec = document.querySelector(`[data-part="${part}"]`);
    if (!sec) return;
    const html = await get(`part/${part}`, "text");
    if (html === null) return;
    sec.innerHTML = html;
    initCharts(sec);
  }

  function setText(sel, text) {
    const e = document.querySelector(sel);
    if (e && e.textContent !== text) e.textContent = text;
  }

  let lastFailed = null;
  function onSummary(st) {
    const cells = new Map(st.cells.map(c => [c.k, c]));
    const tds = document.querySelectorAll("td[data-cell]");
    if (tds.length !== cells.size || [...tds].some(td => !cells.has(td.dataset.cell))) {
      swap("matrix"); // trials came or went: the matrix has another shape
      return onCounts(st);
    }
    tds.forEach(td => {
      const c = cells.get(td.dataset.cell);
      if (!c) return;
      if (td.dataset.state !== c.s) {
        td.classList.remove(td.dataset.state);
        td.classList.add(c.s);
        td.dataset.state = c.s;
      }
      const a = td.querySelector("a") || td;
      if (a.textContent !== c.t) a.textContent = c.t;
    });
    onCounts(st);
  }

  function onCounts(st) {
    setText("[data-count=trials]", String(st.trials));
    for (const s of ["succeeded", "running", "failed", "pruned", "pending"]) setText(`[data-count="${s}"]`, String(st.by_state[s] || 0));
    const es = document.getElementById("early-stop");
    if (es && st.early_stop) {
      for (const k of ["stops", "promotions", "steps_trained"]) setText(`[data-count="${k}"]`, String(st.early_stop[k] || 0));
      es.hidden = false;
    }
    setText('[data-count="throughput"]', st.throughput);
    setText('[data-count="eta"]', st.eta);
    const list = document.querySelector("[data-part=running] .running-list");
    const ids = (st.running || []).join(" ");
    if (list && list.dataset.ids !== ids) swap("running");
    if (lastFailed !== null && st.failed !== lastFailed) swap("failures");
    lastFailed = st.failed;
  }

  // A trial's page: the stream names the trials that changed; this one's
  // changing sections are read again, together, and swapped in where they
  // differ. One read at a time; a change during a read reads again after.
  const trialHTML = new Map();
  let trialBusy = false, trialAgain = false;
  async function refreshTrial() {
    if (!trial) return;
    if (trialBusy) { trialAgain = true; return; }
    trialBusy = true;
    try {
      do {
        trialAgain = false;
        const html = await get(`trial/${encodeURIComponent(trial)}/parts`, "text");
        if (html === null) break;
        const t = document.createElement("template");
        t.innerHTML = html;
        t.content.querySelectorAll("[data-part]").forEach(p => {
          const name = p.dataset.part;
          const sec = document.querySelector(`[data-part="${name}"]`);
          if (!sec || trialHTML.get(name) === p.innerHTML) return;
          trialHTML.set(name, p.innerHTML);
          sec.innerHTML = p.innerHTML;
          if (name === "curves") initCharts(sec);
        });
      } while (trialAgain);
    } finally {
      trialBusy = false;
    }
  }

  function onTrials(m) {
    if (trial && (m.all || (m.ids || []).includes(trial))) refreshTrial();
  }

  let reportTimer = null;
  function onReport() {
    const f = document.getElementById("report-frame");
    if (!f || reportTimer) return;
    reportTimer = setTimeout(() => { reportTimer = null; f.src = f.src; }, 2000);
  }

  initCharts(document);
  const live = document.getElementById("live");
  const es = new EventSource(base + "events");
  es.addEventListener("open", () => {
    if (live) { live.textContent = "live"; live.classList.add("on"); }
    // Whatever landed between the page and the stream.
    attemptsShown().forEach(fetchPoints);
    refreshTrial();
  });
  es.addEventListener("error", () => {
    if (live) { live.textContent = "reconnecting…"; live.classList.remove("on"); }
  });
  es.addEventListener("summary", e => onSummary(JSON.parse(e.data)));
  es.addEventListener("points", e => {
    const m = JSON.parse(e.data);
    if (merge(m.a, m.s)) redraw(m.a);
    const step = document.querySelector(`[data-step="${m.a}"]`);
    const loss = (m.s["train:loss"] || []);
    if (step && loss.length) {
      const total = step.textContent.split("/")[1];
      step.textContent = String(loss[loss.length - 1][0]) + (total ? " /" + total : "");
    }
  });
  es.addEventListener("trials", e => onTrials(JSON.parse(e.data)));
  es.addEventListener("report", onReport);
})();
