// apparat's web page: what-if toggles over paired ensembles, a month-by-month run
// explorer, and a game in which the reader takes one contender's decisions. Plain JavaScript, no build step; every request goes to this server's /api.
"use strict";

(() => {
  const state = {
    scenario: null, // id
    decisions: [],
    parameters: [],
    experiment: null, // last /api/experiment answer
    run: null, // last /api/run answer
    timer: null, // the Play button's interval
    game: null, // the game under Play: {scenario, actor, seed, answers}
    consequences: null, // last /api/consequences answer
  };
  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];
  const ROUTINE = new Set(["apparatus", "cc_elected"]);
  const COLOURS = { factual: "#4f6072", whatif: "#b3261e" };

  const $ = (sel) => document.querySelector(sel);

  // Build an element; text goes in as text, never as markup.
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  async function api(path, options = {}) {
    const resp = await fetch(path, options);
    let body = null;
    try {
      body = await resp.json();
    } catch (_) {
      body = null;
    }
    if (!resp.ok) {
      const detail = body && typeof body.detail === "string" ? body.detail : resp.statusText;
      throw new Error(`${detail} (HTTP ${resp.status})`);
    }
    return body;
  }

  function postJSON(path, body) {
    return api(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  }

  // the what-if the form describes: the same body for every endpoint that runs one
  function whatIf(runs, seed) {
    return { scenario: state.scenario, runs, seed, do: forcedDecisions(), set: changedParameters() };
  }

  function setStatus(node, text, isError = false) {
    node.textContent = text;
    node.classList.toggle("error", isError);
  }

  // Numbers as the table shows them: shares in percent, differences in points.
  const pct = (x) => `${(100 * x).toFixed(1)} %`;
  const pctRange = (lo, hi) => `${(100 * lo).toFixed(1)}–${(100 * hi).toFixed(1)} %`;
  function pp(x) {
    const v = (100 * Math.abs(x)).toFixed(1);
    if (v === "0.0") return "0.0 pp";
    return `${x > 0 ? "+" : "−"}${v} pp`;
  }
  function ppRange(lo, hi) {
    if (lo === null || hi === null) return "—";
    return `${pp(lo)} to ${pp(hi)}`;
  }
  function monthName(label, short = false) {
    const [y, m] = label.split("-").map(Number);
    const name = MONTHS[m - 1];
    return `${short ? name.slice(0, 3) : name} ${y}`;
  }
  const humanise = (id) => id.replaceAll("_", " ");

  // ------------------------------------------------------------------ tabs

  function selectTab(tab) {
    for (const t of document.querySelectorAll('[role="tab"]')) {
      const on = t === tab;
      t.setAttribute("aria-selected", String(on));
      t.tabIndex = on ? 0 : -1;
      document.getElementById(t.getAttribute("aria-controls")).hidden = !on;
    }
    if (tab.id === "tab-explorer" && !state.run) loadRun();
    if (tab.id === "tab-consequences" && state.consequences && window.Plotly) {
      Plotly.Plots.resize("consequences-chart");
    }
    if (tab.id === "tab-whatif" && state.experiment) {
      // Plotly sizes a chart drawn while hidden wrongly; redraw at the visible size.
      window.Plotly && Plotly.Plots.resize("dominance-chart");
      window.Plotly && Plotly.Plots.resize("power-chart");
    }
  }

  function setUpTabs() {
    const tabs = [...document.querySelectorAll('[role="tab"]')];
    for (const tab of tabs) {
      tab.addEventListener("click", () => selectTab(tab));
      tab.addEventListener("keydown", (ev) => {
        const i = tabs.indexOf(tab);
        let next = null;
        if (ev.key === "ArrowRight") next = tabs[(i + 1) % tabs.length];
        if (ev.key === "ArrowLeft") next = tabs[(i - 1 + tabs.length) % tabs.length];
        if (ev.key === "Home") next = tabs[0];
        if (ev.key === "End") next = tabs[tabs.length - 1];
        if (next) {
          ev.preventDefault();
          next.focus();
          selectTab(next);
        }
      });
    }
  }

  // ------------------------------------------------------------------ scenario and toggles

  async function loadScenarios() {
    const scenarios = await api("/api/scenarios");
    const select = $("#scenario");
    select.replaceChildren(...scenarios.map((s) => el("option", { value: s.id }, s.title)));
    select.addEventListener("change", () => chooseScenario(scenarios));
    await chooseScenario(scenarios);
  }

  async function chooseScenario(scenarios) {
    const id = $("#scenario").value;
    const s = scenarios.find((x) => x.id === id);
    state.scenario = id;
    state.experiment = null;
    state.run = null;
    $("#results").hidden = true;
    $("#explorer").hidden = true;
    resetGame();
    $("#scenario-title").textContent = `${s.title} · ${monthName(s.start)} to ${monthName(s.end)}`;
    const [decisions, parameters, actors] = await Promise.all([
      api(`/api/scenarios/${encodeURIComponent(id)}/decisions`),
      api(`/api/scenarios/${encodeURIComponent(id)}/parameters`),
      api(`/api/play/actors?${new URLSearchParams({ scenario: id })}`),
    ]);
    renderPlayActors(actors);
    state.decisions = decisions;
    state.parameters = parameters;
    renderDecisions();
    renderParameters();
    if (!$("#panel-explorer").hidden) loadRun();
  }

  function renderDecisions() {
    const list = $("#decision-list");
    list.replaceChildren(
      ...state.decisions.map((d) => {
        const selectId = `do-${d.id}`;
        const select = el(
          "select",
          { id: selectId, dataset: { decision: d.id } },
          el("option", { value: "" }, `Behavioural — history chose: ${d.historical_label}`),
          ...d.options.map((o) =>
            el("option", { value: o.id, title: o.description },
              `Force: ${o.label}${o.historical ? " (as history)" : ""}`),
          ),
        );
        select.addEventListener("change", () => select.classList.toggle("forced", select.value !== ""));
        const details = el(
          "details", {},
          el("summary", {}, "Options and sources"),
          el("ul", {}, ...d.options.map((o) =>
            el("li", {}, el("strong", {}, o.label), `: ${o.description} `,
              el("span", { class: "src" }, `[${o.cites.join("; ")}]`)))),
          el("p", {}, `Decision sources: ${d.cites.join("; ")}`),
        );
        return el(
          "div", { class: "decision" },
          el("div", { class: "when" }, monthName(d.date, true)),
          el("div", {},
            el("label", { for: selectId }, d.actor_name,
              el("span", { class: "question" }, d.question)),
            select, details),
        );
      }),
    );
  }

  function renderParameters() {
    const list = $("#parameter-list");
    list.replaceChildren(
      ...state.parameters.map((p) => {
        const id = `param-${p.name}`;
        const step = (p.high - p.low) / 100 >= 0.01 ? 0.01 : 0.001;
        const input = el("input", {
          id, type: "range", min: p.low, max: p.high, step, value: p.value,
          dataset: { param: p.name }, "aria-describedby": `${id}-doc`,
        });
        const output = el("output", { for: id, id: `${id}-value` }, p.value.toFixed(2));
        const reset = el("button", { type: "button", "aria-label": `Reset ${p.label}` }, "reset");
        const row = el("div", { class: "param", dataset: { param: p.name } },
          el("label", { for: id }, p.label),
          el("div", { class: "row" }, input, output, reset),
          el("p", { class: "doc", id: `${id}-doc` },
            `${p.doc} Scenario: ${p.value.toFixed(2)}; range ${p.low}–${p.high}.`),
        );
        const update = () => {
          output.textContent = Number(input.value).toFixed(2);
          row.classList.toggle("changed", Math.abs(Number(input.value) - p.value) > 1e-9);
        };
        input.addEventListener("input", update);
        reset.addEventListener("click", () => {
          input.value = p.value;
          update();
        });
        return row;
      }),
    );
  }

  function forcedDecisions() {
    const out = {};
    for (const select of document.querySelectorAll("#decision-list select")) {
      if (select.value) out[select.dataset.decision] = select.value;
    }
    return out;
  }

  function changedParameters() {
    const out = {};
    for (const p of state.parameters) {
      const value = Number(document.getElementById(`param-${p.name}`).value);
      if (Math.abs(value - p.value) > 1e-9) out[p.name] = value;
    }
    return out;
  }

  function resetToHistory() {
    for (const select of document.querySelectorAll("#decision-list select")) {
      select.value = "";
      select.classList.remove("forced");
    }
    renderParameters();
  }

  // ------------------------------------------------------------------ experiment

  async function runExperiment(ev) {
    ev.preventDefault();
    const status = $("#status");
    const runs = Number($("#runs").value);
    const seed = Number($("#seed").value);
    if (!Number.isInteger(runs) || runs < 1 || runs > 1000) {
      setStatus(status, "Runs per world must be a whole number from 1 to 1,000.", true);
      $("#runs").focus();
      return;
    }
    if (!Number.isInteger(seed) || seed < 0) {
      setStatus(status, "The seed must be a whole number, 0 or more.", true);
      $("#seed").focus();
      return;
    }
    const button = $("#run-button");
    button.disabled = true;
    setStatus(status, `Simulating ${runs} runs of each world…`);
    try {
      const result = await postJSON("/api/experiment", whatIf(runs, seed));
      state.experiment = result;
      renderExperiment(result);
      const drawn = result.parameters.startsWith("posterior")
        ? " Each run drew its parameters from the calibrated posterior."
        : "";
      setStatus(
        status,
        `Done: ${result.runs} runs per world in ${result.seconds.toFixed(1)} s.${drawn}`,
      );
    } catch (err) {
      setStatus(status, `Could not run the experiment: ${err.message}`, true);
    } finally {
      button.disabled = false;
    }
  }

  function describeChanges(result) {
    const parts = [];
    for (const [id, option] of Object.entries(result.do)) {
      const d = state.decisions.find((x) => x.id === id);
      const o = d && d.options.find((x) => x.id === option);
      parts.push(d && o ? `${d.actor_name}: ${o.label}` : `${id}=${option}`);
    }
    for (const [name, value] of Object.entries(result.set)) {
      const p = state.parameters.find((x) => x.name === name);
      parts.push(`${p ? p.label : name} = ${value}`);
    }
    return parts;
  }

  function renderExperiment(result) {
    $("#results").hidden = false;
    const changes = describeChanges(result);
    const top = result.dominance[0];
    $("#results-summary").textContent =
      (changes.length
        ? `What-if: ${changes.join("; ")}. `
        : "No change chosen: the what-if world is the factual one. ") +
      `${result.runs} runs per world, seed ${result.seed}. ` +
      (top
        ? `In the factual world, ${top.actor === "none" ? "no one has consolidated power" : `${top.name} has consolidated power`} in ${pct(top.factual.share)} of runs.`
        : "");
    renderDominanceChart(result);
    renderDominanceTable(result);
    renderFanChoices(result);
    renderFan();
    const still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    $("#results").scrollIntoView({ behavior: still ? "auto" : "smooth", block: "start" });
  }

  function renderDominanceChart(result) {
    if (!window.Plotly) return;
    const rows = result.dominance;
    const names = rows.map((r) => r.name);
    const trace = (arm, label, colour) => ({
      type: "bar",
      name: label,
      x: names,
      y: rows.map((r) => r[arm].share),
      marker: { color: colour },
      error_y: {
        type: "data",
        symmetric: false,
        array: rows.map((r) => r[arm].high - r[arm].share),
        arrayminus: rows.map((r) => r[arm].share - r[arm].low),
        color: "#1d2329",
        thickness: 1.2,
        width: 5,
      },
      hovertemplate: `%{x}<br>${label}: %{y:.1%}<extra></extra>`,
    });
    Plotly.react(
      "dominance-chart",
      [trace("factual", "Factual", COLOURS.factual), trace("counterfactual", "What-if", COLOURS.whatif)],
      {
        barmode: "group",
        margin: { t: 40, r: 20, b: 60, l: 60 },
        yaxis: { title: { text: "Share of runs" }, tickformat: ".0%", range: [0, 1.02], gridcolor: "#e4e7ea" },
        legend: { orientation: "h", y: 1.02, x: 0, yanchor: "bottom" },
        font: { family: "system-ui, sans-serif", size: 13, color: "#1d2329" },
        paper_bgcolor: "#ffffff",
        plot_bgcolor: "#ffffff",
      },
      { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d"] },
    );
  }

  function renderDominanceTable(result) {
    const cell = (cls, text, data) => el("td", { class: cls, dataset: data }, text);
    const body = $("#dominance-table tbody");
    body.replaceChildren(
      ...result.dominance.map((r) => {
        const d = r.difference;
        const clear = d.low !== null && d.high !== null && (d.low > 0 || d.high < 0);
        return el(
          "tr", { dataset: { actor: r.actor } },
          el("th", { scope: "row" }, r.name),
          cell("factual", pct(r.factual.share), { value: r.factual.share }),
          cell("factual-interval interval", pctRange(r.factual.low, r.factual.high),
            { low: r.factual.low, high: r.factual.high }),
          cell("counterfactual", pct(r.counterfactual.share), { value: r.counterfactual.share }),
          cell("counterfactual-interval interval", pctRange(r.counterfactual.low, r.counterfactual.high),
            { low: r.counterfactual.low, high: r.counterfactual.high }),
          cell(`difference${clear ? " significant" : ""}`, pp(d.value), { value: d.value }),
          cell("difference-interval interval", ppRange(d.low, d.high),
            { low: d.low === null ? "" : d.low, high: d.high === null ? "" : d.high }),
        );
      }),
    );
  }

  function renderFanChoices(result) {
    const select = $("#fan-leader");
    const previous = select.value;
    const leaders = result.power.actors;
    select.replaceChildren(...leaders.map((a) => el("option", { value: a.id }, a.name)));
    const top = result.dominance.find((r) => r.actor !== "none");
    const pick = leaders.some((a) => a.id === previous) ? previous : top ? top.actor : leaders[0].id;
    select.value = pick;
  }

  function renderFan() {
    const result = state.experiment;
    if (!result || !window.Plotly) return;
    const who = result.power.actors.find((a) => a.id === $("#fan-leader").value);
    if (!who) return;
    const x = result.power.months;
    const traces = [];
    const bands = (arm, label, rgb) => {
      const q = who[arm];
      const line = (y, fill, width, alpha, name, show) => ({
        type: "scatter", mode: "lines", x, y, name, legendgroup: arm, showlegend: show,
        line: { color: `rgba(${rgb},${width ? 1 : 0})`, width },
        fill, fillcolor: `rgba(${rgb},${alpha})`, hoverinfo: "skip",
      });
      traces.push(line(q.q05, "none", 0, 0, `${label} 5 %`, false));
      traces.push(line(q.q95, "tonexty", 0, 0.13, `${label}: 90 % of runs`, false));
      traces.push(line(q.q25, "none", 0, 0, `${label} 25 %`, false));
      traces.push(line(q.q75, "tonexty", 0, 0.25, `${label}: 50 % of runs`, false));
      traces.push({
        type: "scatter", mode: "lines", x, y: q.q50, name: `${label} (median)`, legendgroup: arm,
        line: { color: `rgb(${rgb})`, width: 2.5 },
        hovertemplate: `%{x|%b %Y}<br>${label} median: %{y:.1%}<extra></extra>`,
      });
    };
    bands("factual", "Factual", "79,96,114");
    bands("counterfactual", "What-if", "179,38,30");
    Plotly.react(
      "power-chart",
      traces,
      {
        margin: { t: 30, r: 20, b: 50, l: 60 },
        title: { text: `${who.name}: power share`, font: { size: 15 }, x: 0, xanchor: "left" },
        yaxis: { tickformat: ".0%", rangemode: "tozero", gridcolor: "#e4e7ea" },
        xaxis: { type: "date", gridcolor: "#f0f1f3" },
        legend: { orientation: "h", y: -0.18, x: 0 },
        font: { family: "system-ui, sans-serif", size: 13, color: "#1d2329" },
        paper_bgcolor: "#ffffff",
        plot_bgcolor: "#ffffff",
      },
      { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d"] },
    );
  }

  // ------------------------------------------------------------------ consequences

  const LINE_DASH = ["dash", "dot", "dashdot", "longdash"];
  const MARKERS = ["circle", "square", "triangle-up", "diamond", "triangle-down", "cross"];

  async function loadConsequences(ev) {
    if (ev) ev.preventDefault();
    const status = $("#consequences-status");
    const runs = Number($("#runs").value);
    const seed = Number($("#seed").value);
    if (!Number.isInteger(runs) || runs < 1 || runs > 1000 || !Number.isInteger(seed) || seed < 0) {
      setStatus(status, "Set whole-number runs (1 to 1,000) and seed under What if… first.", true);
      return;
    }
    const button = $("#consequences-run");
    button.disabled = true;
    setStatus(status, `Simulating ${runs} runs of each world and their economies…`);
    try {
      const result = await postJSON("/api/consequences", whatIf(runs, seed));
      state.consequences = result;
      renderConsequences(result);
      setStatus(status, result.available
        ? `Done: ${result.runs} runs per world in ${result.seconds.toFixed(1)} s.`
        : "This scenario has no consequences data.");
    } catch (err) {
      setStatus(status, `Could not compute the consequences: ${err.message}`, true);
    } finally {
      button.disabled = false;
    }
  }

  function fmt(x, digits) {
    return x === null || x === undefined ? "–" : x.toFixed(digits);
  }

  function digitsFor(outcome) {
    return outcome.startsWith("war") ? 2 : outcome.startsWith("excess") ? 1 : 0;
  }

  function renderConsequences(result) {
    $("#consequences").hidden = false;
    $("#consequences-note").textContent = result.note;
    const thead = $("#consequences-table thead");
    const tbody = $("#consequences-table tbody");
    thead.replaceChildren();
    tbody.replaceChildren();
    if (!result.available) {
      $("#consequences-series").replaceChildren();
      if (window.Plotly) Plotly.purge("consequences-chart");
      return;
    }
    thead.append(el("tr", {}, el("th", { scope: "col" }, "World"),
      result.headline.map((h) => el("th", { scope: "col" }, h.label))));
    for (const arm of result.arms) {
      const cells = result.headline.map((h) => {
        const v = h.arms.find((a) => a.arm === arm.id);
        const d = digitsFor(h.outcome);
        const text = `${fmt(v.value.median, d)} (${fmt(v.value.low, d)}–${fmt(v.value.high, d)})`;
        const diff = v.difference
          ? el("div", { class: "interval" },
            `− factual: ${v.difference.median >= 0 ? "+" : ""}${fmt(v.difference.median, d)} (${fmt(v.difference.low, d)} to ${fmt(v.difference.high, d)})`)
          : null;
        return el("td", {}, text, diff);
      });
      tbody.append(el("tr", {}, el("th", { scope: "row" }, arm.title), cells));
    }
    const select = $("#consequences-series");
    const keep = select.value;
    select.replaceChildren(...result.series.map((s) => el("option", { value: s.id }, s.title)));
    if (result.series.some((s) => s.id === keep)) select.value = keep;
    renderConsequencesChart();
  }

  function renderConsequencesChart() {
    const result = state.consequences;
    if (!result || !result.available || !window.Plotly) return;
    const series = result.series.find((s) => s.id === $("#consequences-series").value);
    if (!series) return;
    const x = series.years;
    const traces = [];
    const title = (id) => (result.arms.find((a) => a.id === id) || { title: id }).title;
    const fan = (q, label, rgb) => {
      const line = (y, fill, alpha) => ({
        type: "scatter", mode: "lines", x, y, showlegend: false, hoverinfo: "skip",
        line: { color: `rgba(${rgb},0)`, width: 0 }, fill, fillcolor: `rgba(${rgb},${alpha})`,
      });
      traces.push(line(q.q10, "none", 0), line(q.q90, "tonexty", 0.13));
      traces.push(line(q.q25, "none", 0), line(q.q75, "tonexty", 0.28));
      traces.push({
        type: "scatter", mode: "lines", x, y: q.q50, name: `${label} (median)`,
        line: { color: `rgb(${rgb})`, width: 2.5 },
        hovertemplate: `%{x}: %{y:.1f}<extra>${label}</extra>`,
      });
    };
    const byArm = Object.fromEntries(series.arms.map((a) => [a.arm, a]));
    fan(byArm.factual, "Factual", "79,96,114");
    fan(byArm.counterfactual, "What-if", "179,38,30");
    result.arms.filter((a) => a.imposed).forEach((a, i) => {
      traces.push({
        type: "scatter", mode: "lines", x, y: byArm[a.id].q50, name: a.title,
        line: { color: "#6b5b95", width: 1.5, dash: LINE_DASH[i % LINE_DASH.length] },
        hovertemplate: `%{x}: %{y:.1f}<extra>${title(a.id)}</extra>`,
      });
    });
    series.record.forEach((r, i) => {
      traces.push({
        type: "scatter", mode: r.years.length > 1 ? "lines+markers" : "markers",
        x: r.years, y: r.values, name: `record: ${r.variant}`,
        line: { color: "#111111", width: 1 },
        marker: { color: "#111111", size: 7, symbol: MARKERS[i % MARKERS.length] },
      });
    });
    Plotly.react(
      "consequences-chart",
      traces,
      {
        margin: { t: 30, r: 20, b: 50, l: 60 },
        title: { text: series.title, font: { size: 15 }, x: 0, xanchor: "left" },
        yaxis: { rangemode: "tozero", gridcolor: "#e4e7ea" },
        xaxis: { dtick: 1, gridcolor: "#f0f1f3" },
        legend: { orientation: "h", y: -0.18, x: 0 },
        font: { family: "system-ui, sans-serif", size: 13, color: "#1d2329" },
        paper_bgcolor: "#ffffff",
        plot_bgcolor: "#ffffff",
      },
      { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d"] },
    );
  }

  // ------------------------------------------------------------------ run explorer

  async function loadRun(ev) {
    if (ev) ev.preventDefault();
    if (!state.scenario) return;
    const status = $("#explorer-status");
    const seed = Number($("#explorer-seed").value);
    if (!Number.isInteger(seed) || seed < 0) {
      setStatus(status, "The seed must be a whole number, 0 or more.", true);
      return;
    }
    const params = new URLSearchParams({ scenario: state.scenario, seed: String(seed) });
    if ($("#explorer-whatif").checked) {
      for (const [id, option] of Object.entries(forcedDecisions())) params.append("do", `${id}=${option}`);
    }
    stopPlaying();
    $("#explorer-load").disabled = true;
    setStatus(status, "Simulating one run…");
    try {
      const run = await api(`/api/run?${params}`);
      state.run = run;
      const slider = $("#month-slider");
      slider.max = String(run.months.length - 1);
      slider.value = "0";
      $("#explorer").hidden = false;
      const names = actorNames(run);
      const forced = Object.entries(run.do).map(([k, v]) => `${k}=${v}`);
      $("#run-summary").textContent =
        `Seed ${run.seed}${forced.length ? `, forced: ${forced.join(", ")}` : ", every decision behavioural"}. ` +
        (run.dominant
          ? `${names[run.dominant]} has consolidated power${run.dominant_since ? ` since ${monthName(run.dominant_since)}` : ""}.`
          : "No one has consolidated power by the end.") +
        ` ${run.events.length} events.`;
      setStatus(status, "");
      showMonth(0);
    } catch (err) {
      setStatus(status, `Could not simulate the run: ${err.message}`, true);
    } finally {
      $("#explorer-load").disabled = false;
    }
  }

  function actorNames(run) {
    return Object.fromEntries(run.actors.map((a) => [a.id, a.name]));
  }

  function showMonth(m) {
    const run = state.run;
    if (!run) return;
    m = Math.max(0, Math.min(run.months.length - 1, m));
    $("#month-slider").value = String(m);
    const names = actorNames(run);
    const now = run.by_month[m];
    const before = m > 0 ? run.by_month[m - 1] : null;
    const label = monthName(now.month);
    $("#month-label").textContent = `${label} (month ${m + 1} of ${run.months.length})`;
    $("#month-slider").setAttribute("aria-valuetext", label);
    $("#events-month").textContent = label;

    $("#offices-table tbody").replaceChildren(
      ...run.offices.map((o, i) => {
        const holder = now.holders[i];
        const changed = before && before.holders[i] !== holder;
        return el("tr", { class: changed ? "changed" : null, dataset: { office: o.id } },
          el("th", { scope: "row" }, o.name),
          el("td", {}, holder ? names[holder] : "vacant"));
      }),
    );

    const shown = run.actors
      .filter((a) => a.contender || now.power[a.id] >= 0.02 || now.executive.includes(a.id))
      .sort((a, b) => now.power[b.id] - now.power[a.id]);
    $("#leaders-table tbody").replaceChildren(
      ...shown.map((a) => {
        const p = now.power[a.id];
        return el("tr", { dataset: { actor: a.id } },
          el("th", { scope: "row" }, a.name, now.dominant === a.id ? " ★" : ""),
          el("td", { class: "power" }, el("span", { class: "powerbar", style: `width:${Math.round(p * 150)}px`, "aria-hidden": "true" }), pct(p)),
          el("td", {}, now.executive.includes(a.id) ? "member" : "—"),
          el("td", {}, now.sanction[a.id] ? humanise(now.sanction[a.id]) : "—"));
      }),
    );

    const blocs = now.blocs.map((b) =>
      el("li", { class: b.ruling ? "ruling" : null },
        el("strong", {}, `${b.ruling ? "Ruling coalition" : "Bloc"} of ${names[b.leader]}`), ": ",
        b.members.filter((x) => x !== b.leader).map((x) => names[x]).join(", ") || "alone"));
    if (now.dominant) {
      blocs.unshift(el("li", { class: "ruling" }, el("strong", {}, `${names[now.dominant]} has consolidated power.`)));
    }
    $("#blocs").replaceChildren(...(blocs.length ? blocs : [el("li", {}, "No blocs this month.")]));

    const routine = $("#show-routine").checked;
    const events = run.events.filter((e) => e.month <= m && (routine || !ROUTINE.has(e.kind)));
    $("#events").replaceChildren(
      ...events.slice(-30).reverse().map((e) =>
        el("li", { class: e.month === m ? "current" : null },
          el("time", { datetime: e.date }, monthName(e.date, true)),
          el("span", { class: `kind ${e.kind}` }, humanise(e.kind)),
          e.text,
          citeList(e.cites, run.sources))),
    );
  }

  // Where in its document a passage is: ":120–125" (lines of a local file),
  // " pp. 412–415" (pages), " §Section" (a section of a web page), "" (a whole page).
  function place(c) {
    const range = (a, b) => `${a}${b ? `–${b}` : ""}`;
    if (c.line) return `:${range(c.line, c.end_line)}`;
    if (c.page) return ` ${c.end_page ? "pp." : "p."} ${range(c.page, c.end_page)}`;
    if (c.section) return ` §${c.section}`;
    return "";
  }

  // Source passages as a list: document id (its title on hover; a link to the source
  // on the web where it has an address), its place, short quote.
  // With the run's `sources`, the hover also gives the author and the language; a quote
  // in another language is followed by its English gloss.
  function citeList(cites, sources) {
    if (!cites.length) return null;
    const about = (c) => {
      const d = (sources || {})[c.source];
      return d ? `${d.title}${d.author ? ` — ${d.author}` : ""} (${d.language})` : c.title;
    };
    return el("ul", { class: "cites", "aria-label": "Sources" },
      ...cites.map((c) =>
        el("li", {},
          c.url
            ? el("a", { href: c.url, target: "_blank", rel: "noopener" },
              el("abbr", { title: about(c) }, c.source))
            : el("abbr", { title: about(c) }, c.source),
          place(c),
          c.quote ? [" ", el("q", {}, c.quote)] : null,
          c.gloss ? [" ", el("span", { class: "gloss" }, `(English: ${c.gloss})`)] : null)));
  }

  function stopPlaying() {
    if (state.timer) clearInterval(state.timer);
    state.timer = null;
    const b = $("#month-play");
    b.textContent = "Play";
    b.setAttribute("aria-pressed", "false");
  }

  function togglePlay() {
    if (state.timer) {
      stopPlaying();
      return;
    }
    const run = state.run;
    if (!run) return;
    if (Number($("#month-slider").value) >= run.months.length - 1) showMonth(0);
    const b = $("#month-play");
    b.textContent = "Pause";
    b.setAttribute("aria-pressed", "true");
    state.timer = setInterval(() => {
      const m = Number($("#month-slider").value) + 1;
      showMonth(m);
      if (m >= run.months.length - 1) stopPlaying();
    }, 450);
  }

  // ------------------------------------------------------------------ play

  function renderPlayActors(actors) {
    const select = $("#play-actor");
    const previous = select.value;
    select.replaceChildren(...actors.map((a) => el("option", { value: a.id }, a.name)));
    if (actors.some((a) => a.id === previous)) select.value = previous;
    else if (actors.some((a) => a.id === "trotsky")) select.value = "trotsky";
  }

  function resetGame() {
    state.game = null;
    $("#play-game").hidden = true;
    setStatus($("#play-status"), "");
  }

  function startGame(ev) {
    ev.preventDefault();
    const seed = Number($("#play-seed").value);
    if (!Number.isInteger(seed) || seed < 0 || seed > 4294967295) {
      setStatus($("#play-status"), "The seed must be a whole number from 0 to 4,294,967,295.", true);
      $("#play-seed").focus();
      return;
    }
    state.game = { scenario: state.scenario, actor: $("#play-actor").value, seed, answers: {} };
    $("#play-revealed").hidden = true;
    playStep(null, null);
  }

  async function playStep(decision, option) {
    const game = state.game;
    if (!game) return;
    const answers = { ...game.answers };
    if (decision) answers[decision] = option;
    const status = $("#play-status");
    const buttons = document.querySelectorAll("#play-options button, #play-start");
    for (const b of buttons) b.disabled = true;
    setStatus(status, decision ? "Playing on to your next decision…" : "Starting the game…");
    try {
      const step = await postJSON("/api/play/step", {
        scenario: game.scenario, actor: game.actor, seed: game.seed, answers,
      });
      if (state.game !== game) return; // a new game was started meanwhile
      game.answers = step.answers;
      game.name = step.name;
      $("#play-game").hidden = false;
      renderRevealed(step.revealed);
      if (step.status === "decision") {
        renderSituation(step);
        setStatus(status, `${step.name}, seed ${step.seed}: decision ${step.answered + 1}.`);
      } else {
        renderEnd(step);
        setStatus(status, `${step.name}, seed ${step.seed}: the game is over after ${step.answered} decisions.`);
      }
    } catch (err) {
      setStatus(status, `Could not play on: ${err.message}`, true);
    } finally {
      for (const b of buttons) b.disabled = false;
    }
  }

  function renderRevealed(r) {
    const node = $("#play-revealed");
    node.hidden = !r;
    if (!r) return;
    const same = r.chosen === r.historical;
    node.replaceChildren(
      el("strong", {}, `You chose: ${r.chosen_label}. `),
      `History chose: ${r.historical_label}${same ? " — as you did." : "."}`,
    );
  }

  // In order, the first first: they are what the player's last choice did.
  function eventItems(events) {
    const shown = events.filter((e) => !ROUTINE.has(e.kind));
    return shown.length
      ? shown.map((e) =>
        el("li", { class: e.kind === "decision" ? "decision" : null },
          el("time", { datetime: e.date }, monthName(e.date, true)),
          el("span", { class: `kind ${e.kind}` }, humanise(e.kind)),
          e.text,
          citeList(e.cites)))
      : [el("li", {}, "Nothing of note.")];
  }

  function renderSituation(step) {
    const s = step.situation;
    $("#play-end").hidden = true;
    $("#play-situation").hidden = false;
    $("#play-date").textContent = `${monthName(s.date)} — your decision as ${step.name}`;
    const r = step.revealed;
    $("#play-recent-heading").textContent = !step.answered
      ? "Since the story opens"
      : `What your choice (${r ? r.chosen_label : "your last"}) did, and what followed`;
    $("#play-recent").replaceChildren(...eventItems(s.recent));
    $("#play-leaders tbody").replaceChildren(
      ...s.leaders.map((l) =>
        el("tr", {},
          el("th", { scope: "row" }, l.name),
          el("td", { class: "power" },
            el("span", { class: "powerbar", style: `width:${Math.round(l.power * 150)}px`, "aria-hidden": "true" }),
            pct(l.power)),
          el("td", {}, l.prestige.toFixed(2)))),
    );
    $("#play-blocs").replaceChildren(
      ...(s.blocs.length
        ? s.blocs.map((b) =>
          el("li", { class: b.ruling ? "ruling" : null },
            el("strong", {}, `${b.ruling ? "Ruling coalition" : "Bloc"} of ${b.leader}`), ": ",
            b.members.filter((x) => x !== b.leader).join(", ") || "alone"))
        : [el("li", {}, "No blocs.")]),
    );
    $("#play-offices tbody").replaceChildren(
      ...s.offices.map((o) => el("tr", {}, el("th", { scope: "row" }, o.office), el("td", {}, o.holder))),
    );
    $("#play-question").textContent = s.question;
    $("#play-options").replaceChildren(
      ...s.options.map((o) => {
        const button = el("button", { type: "button", dataset: { option: o.id } }, o.label);
        button.addEventListener("click", () => playStep(s.decision, o.id));
        return el("div", { class: "option" },
          button,
          el("p", { class: "description" }, o.description),
          citeList(o.cites));
      }),
    );
  }

  function renderEnd(step) {
    const v = step.verdict;
    const sum = step.summary;
    $("#play-situation").hidden = true;
    $("#play-end").hidden = false;
    const made = v.in_executive ? "you made it" : "you did not";
    const at = v.gone ? `in ${monthName(v.judged)}, before he left the struggle` : "at the end";
    const none = v.decided
      ? ""
      : `None of ${v.name}'s decisions came up in this game (he was not in a position to make them); try another seed. `;
    $("#play-verdict").textContent = none +
      (v.gone ? `${v.gone}: ${v.name} is judged ${at}, not on what came after. ` : "") +
      `${v.name} still in the executive ${at}: ${pct(v.baseline_in_executive)} of ` +
      `${v.baseline_runs} runs in which he chose as history did; ${made}.`;
    const r = step.revealed;
    $("#play-aftermath-heading").textContent =
      `What your choice (${r ? r.chosen_label : "your last"}) did, and what followed`;
    $("#play-aftermath-heading").hidden = !step.aftermath.length;
    $("#play-aftermath").hidden = !step.aftermath.length;
    $("#play-aftermath").replaceChildren(...eventItems(step.aftermath));
    $("#play-consolidated").textContent =
      `${v.name} consolidated power in ${pct(v.baseline_dominant)} of those runs; ` +
      `in your game ${v.dominant || "no one"} did` +
      `${v.dominant && sum.dominant_since ? ` (from ${monthName(sum.dominant_since)})` : ""}.`;
    $("#play-final").textContent =
      `By ${monthName(sum.month)}: ${v.name} ${sum.fate}` +
      `${sum.out ? `, out of the executive since ${monthName(sum.out)}` : ""}; ` +
      `his mean power share over the run ${pct(v.power)}.`;
    $("#play-mattered").replaceChildren(
      ...(v.mattered.length
        ? v.mattered.map((m) =>
          el("li", {},
            el("strong", {}, m.question), " ",
            `You: ${m.chosen_label} (history: ${m.historical_label}). Mean power ` +
            `${m.power_change >= 0 ? "+" : "−"}${(100 * Math.abs(m.power_change)).toFixed(1)} points; ` +
            `out of the executive ${m.out_played ? monthName(m.out_played) : "never"} ` +
            `(with history's choice: ${m.out_then ? monthName(m.out_then) : "never"}, ${m.fate_then}).`))
        : [el("li", {}, "You chose as history did at every decision.")]),
    );
    const g = state.game;
    const file = { format: 1, actor: g.actor, seed: g.seed, run: 0, scenario: g.scenario, answers: g.answers };
    const link = $("#play-download");
    link.href = `data:application/json;charset=utf-8,${encodeURIComponent(JSON.stringify(file, null, 2))}`;
    link.download = `apparat-${g.actor}-seed${g.seed}.json`;
  }

  // ------------------------------------------------------------------ start

  function start() {
    setUpTabs();
    $("#experiment-form").addEventListener("submit", runExperiment);
    $("#reset-button").addEventListener("click", resetToHistory);
    $("#fan-leader").addEventListener("change", renderFan);
    $("#explorer-form").addEventListener("submit", loadRun);
    $("#month-slider").addEventListener("input", (ev) => showMonth(Number(ev.target.value)));
    $("#month-prev").addEventListener("click", () => showMonth(Number($("#month-slider").value) - 1));
    $("#month-next").addEventListener("click", () => showMonth(Number($("#month-slider").value) + 1));
    $("#month-play").addEventListener("click", togglePlay);
    $("#show-routine").addEventListener("change", () => showMonth(Number($("#month-slider").value)));
    $("#play-form").addEventListener("submit", startGame);
    $("#consequences-form").addEventListener("submit", loadConsequences);
    $("#consequences-series").addEventListener("change", renderConsequencesChart);
    loadScenarios().catch((err) => {
      setStatus($("#status"), `Could not load the scenarios: ${err.message}`, true);
      $("#scenario-title").textContent = "No scenario loaded.";
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
