/* thingmind dashboard. Plain JS, no framework; talks only to the HTTP API.
 * Device names and states are data: they are set with textContent, never as HTML. */
(function () {
  "use strict";

  const TOKEN_KEY = "thingmind.token";
  const $ = (sel) => document.querySelector(sel);
  const state = { token: "", site: null, devices: new Map(), areas: [], floors: [], ws: null, retry: 0 };

  // ------------------------------------------------------------------ token
  function readToken() {
    const hash = new URLSearchParams(location.hash.slice(1));
    const fromHash = hash.get("token");
    if (fromHash) {
      localStorage.setItem(TOKEN_KEY, fromHash);
      history.replaceState(null, "", location.pathname + location.search);
    }
    return localStorage.getItem(TOKEN_KEY) || "";
  }

  function askToken(message) {
    const dialog = $("#login");
    const error = $("#login-error");
    error.hidden = !message;
    error.textContent = message || "";
    if (!dialog.open) dialog.showModal();
  }

  $("#login-form").addEventListener("submit", () => {
    state.token = $("#token").value.trim();
    localStorage.setItem(TOKEN_KEY, state.token);
    start();
  });

  // ------------------------------------------------------------------ API
  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.message) || "HTTP " + status);
      this.status = status;
      this.body = body;
    }
  }

  async function api(path, options) {
    const opts = Object.assign({ headers: {} }, options || {});
    opts.headers = Object.assign({ Authorization: "Bearer " + state.token }, opts.headers);
    if (opts.json !== undefined) {
      opts.body = JSON.stringify(opts.json);
      opts.headers["Content-Type"] = "application/json";
      delete opts.json;
    }
    const response = await fetch(path, opts);
    const body = await response.json().catch(() => null);
    if (response.status === 401) {
      askToken("That token was not accepted.");
      throw new ApiError(401, body);
    }
    if (!response.ok) throw new ApiError(response.status, body);
    return body;
  }

  // ------------------------------------------------------------------ formatting
  const TYPE_LABEL = {
    light: "Light", switch: "Switch", fan: "Fan", climate: "Thermostat", cover: "Cover",
    valve: "Valve", lock: "Lock", media_player: "Media", vacuum: "Vacuum",
    alarm_control_panel: "Alarm", humidifier: "Humidifier", water_heater: "Water heater",
    sensor: "Sensor", binary_sensor: "Sensor", scene: "Scene",
  };

  function fmtNumber(v) {
    if (typeof v !== "number") return String(v);
    return Math.abs(v) >= 100 || Number.isInteger(v) ? String(Math.round(v * 10) / 10) : v.toFixed(1);
  }

  function binaryText(device, on) {
    const cls = device.device_class;
    if (on === null || on === undefined) return "unknown";
    if (cls === "door" || cls === "window" || cls === "garage_door" || cls === "opening") return on ? "Open" : "Closed";
    if (cls === "motion" || cls === "occupancy" || cls === "presence") return on ? "Detected" : "Clear";
    if (cls === "moisture") return on ? "Wet" : "Dry";
    return on ? "On" : "Off";
  }

  function summary(device) {
    const s = device.state;
    switch (device.type) {
      case "sensor":
        return s.value === null || s.value === undefined ? "—" : fmtNumber(s.value) + (s.unit ? " " + s.unit : "");
      case "binary_sensor":
        return binaryText(device, s.on);
      case "light":
        if (!s.on) return "Off";
        return "brightness" in s && s.brightness !== null ? "On · " + s.brightness + "%" : "On";
      case "fan":
        return s.on ? ("percentage" in s ? "On · " + s.percentage + "%" : "On") : "Off";
      case "climate":
        return (s.hvac_mode || "") + " · " + fmtNumber(s.target_temperature) + "°" + (s.unit || "") +
          (s.current_temperature !== null && s.current_temperature !== undefined ? " (now " + fmtNumber(s.current_temperature) + "°)" : "");
      case "cover": case "valve":
        return s.open ? ("position" in s ? "Open · " + s.position + "%" : "Open") : "Closed";
      case "lock":
        return s.locked ? "Locked" : "Unlocked";
      case "media_player":
        return (s.playing ? "Playing" : "Paused") + ("volume" in s ? " · vol " + s.volume : "") + (s.muted ? " · muted" : "");
      case "vacuum":
        return String(s.status || "");
      case "alarm_control_panel":
        return String(s.state || "").replace(/_/g, " ");
      case "switch": case "humidifier": case "water_heater":
        return s.on ? "On" : "Off";
      case "scene":
        return "Scene";
      default:
        return Object.keys(s).map((k) => k + ": " + s[k]).join(", ");
    }
  }

  function isOn(device) {
    const s = device.state;
    if ("on" in s) return s.on === true;
    if (device.type === "media_player") return s.playing === true;
    if (device.type === "cover" || device.type === "valve") return s.open === true;
    return false;
  }

  // ------------------------------------------------------------------ controls
  function primaryAction(device) {
    const s = device.state;
    const has = (name) => device.services.includes(name);
    switch (device.type) {
      case "lock":
        return s.locked ? { label: "Unlock", service: "unlock", confirm: "Unlock " + device.name + "?" } : { label: "Lock", service: "lock" };
      case "cover":
        return s.open ? { label: "Close", service: "close_cover" } : { label: "Open", service: "open_cover", confirm: device.device_class === "garage" || device.device_class === "gate" ? "Open " + device.name + "?" : null };
      case "valve":
        return s.open ? { label: "Close", service: "close_valve" } : { label: "Open", service: "open_valve" };
      case "media_player":
        return s.playing ? { label: "Pause", service: "media_pause" } : { label: "Play", service: "media_play" };
      case "vacuum":
        return s.status === "cleaning" ? { label: "Dock", service: "return_to_base" } : { label: "Clean", service: "start" };
      case "alarm_control_panel":
        return s.state === "disarmed" ? { label: "Arm home", service: "alarm_arm_home" } : { label: "Disarm", service: "alarm_disarm", confirm: "Disarm " + device.name + "?" };
      case "scene":
        return { label: "Activate", service: "turn_on" };
      default:
        if ("on" in s && has("turn_on") && has("turn_off")) {
          return { label: s.on ? "Turn off" : "Turn on", service: s.on ? "turn_off" : "turn_on", toggle: true };
        }
        return null;
    }
  }

  async function callService(device, service, params) {
    try {
      const result = await api("/api/devices/" + encodeURIComponent(device.id) + "/services/" + service, { method: "POST", json: { params: params || {} } });
      applyState(device.id, result.state);
    } catch (err) {
      showReply({ kind: "error", answer: device.name + ": " + err.message, actions: [] });
    }
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      node.setAttribute(k, v === true ? "" : String(v));
    }
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function renderCard(device) {
    const card = el("article", { class: "card", "data-device-id": device.id, "data-type": device.type, "data-on": String(isOn(device)) });
    card.append(el("div", { class: "name" }, device.name));
    card.append(el("div", { class: "type" }, TYPE_LABEL[device.type] || device.type));
    card.append(el("div", { class: "value", "data-role": "value" }, summary(device)));
    const controls = el("div", { class: "controls" });
    const primary = primaryAction(device);
    if (primary) {
      const button = el("button", { type: "button", "data-role": "primary", "aria-pressed": primary.toggle ? String(isOn(device)) : null }, primary.label);
      button.addEventListener("click", () => {
        if (primary.confirm && !confirm(primary.confirm)) return;
        callService(device, primary.service);
      });
      controls.append(button);
    }
    if (device.type === "light" && "brightness" in device.state) {
      const slider = el("input", { type: "range", min: 0, max: 100, step: 5, value: device.state.brightness || 0, "aria-label": device.name + " brightness" });
      slider.addEventListener("change", () => callService(device, "turn_on", { brightness: Number(slider.value) }));
      controls.append(slider);
    }
    if (device.type === "climate" && device.services.includes("set_temperature")) {
      for (const [label, step] of [["−", -0.5], ["+", 0.5]]) {
        const b = el("button", { type: "button", "aria-label": (step < 0 ? "Cooler " : "Warmer ") + device.name }, label);
        b.addEventListener("click", () => callService(device, "set_temperature", { temperature: Number(device.state.target_temperature) + step }));
        controls.append(b);
      }
    }
    if (device.type === "sensor" || device.type === "binary_sensor") {
      const b = el("button", { type: "button", "data-role": "history" }, "History");
      b.addEventListener("click", () => openChart(device));
      controls.append(b);
    }
    card.append(controls);
    return card;
  }

  function applyState(deviceId, newState, flash) {
    const device = state.devices.get(deviceId);
    if (!device) return;
    device.state = Object.assign({}, device.state, newState);
    const old = document.querySelector('.card[data-device-id="' + CSS.escape(deviceId) + '"]');
    if (!old) return;
    const card = renderCard(device);
    if (flash) card.classList.add("flash");
    old.replaceWith(card);
  }

  // ------------------------------------------------------------------ layout
  function renderSite() {
    const main = $("#site");
    main.replaceChildren();
    const byArea = new Map();
    for (const device of state.devices.values()) {
      const key = device.area || "";
      if (!byArea.has(key)) byArea.set(key, []);
      byArea.get(key).push(device);
    }
    const groups = state.floors.map((f) => ({ name: f.name, id: f.id, areas: state.areas.filter((a) => a.floor === f.id) }));
    const loose = state.areas.filter((a) => !a.floor || !state.floors.some((f) => f.id === a.floor));
    if (loose.length) groups.push({ name: groups.length ? "Elsewhere" : "", id: "_other", areas: loose });
    if (byArea.has("")) groups.push({ name: "No area", id: "_none", areas: [{ id: "", name: "Unassigned" }] });
    for (const group of groups) {
      const section = el("section", { class: "floor", "data-floor": group.id });
      if (group.name) section.append(el("h2", {}, group.name));
      for (const area of group.areas) {
        const devices = byArea.get(area.id) || [];
        if (!devices.length) continue;
        const block = el("section", { class: "area", "data-area": area.id });
        block.append(el("h3", {}, area.name));
        const grid = el("div", { class: "grid" });
        for (const device of devices) grid.append(renderCard(device));
        block.append(grid);
        section.append(block);
      }
      main.append(section);
    }
    main.setAttribute("aria-busy", "false");
  }

  function fillAreas() {
    const select = $("#speaker-area");
    select.replaceChildren(el("option", { value: "" }, "anywhere"));
    for (const area of state.areas) select.append(el("option", { value: area.id }, area.name));
    select.value = localStorage.getItem("thingmind.area") || "";
    select.addEventListener("change", () => localStorage.setItem("thingmind.area", select.value));
  }

  // ------------------------------------------------------------------ command box
  function showReply(reply) {
    const box = $("#reply");
    box.hidden = false;
    box.dataset.kind = reply.kind;
    $("#answer").textContent = reply.answer;
    const list = $("#actions");
    list.replaceChildren();
    for (const action of reply.actions) {
      const item = el("li", { "data-device-id": action.device_id });
      item.append(el("strong", {}, action.name), document.createTextNode(" — "), el("code", {}, action.service));
      const params = Object.entries(action.params || {});
      if (params.length) item.append(document.createTextNode(" " + params.map(([k, v]) => k + "=" + v).join(", ")));
      const changes = Object.entries(action.changes || {});
      item.append(document.createTextNode(changes.length ? " → " + changes.map(([k, v]) => k + ": " + v).join(", ") : " (no change)"));
      list.append(item);
    }
    $("#reply-meta").textContent = reply.meta || "";
  }

  $("#command-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("#command");
    const text = input.value.trim();
    if (!text) return;
    const body = { text: text, language: "en", conversation_id: state.conversation || null };
    const area = $("#speaker-area").value;
    if (area) body.area_id = area;
    try {
      const result = await api("/api/conversation/process", { method: "POST", json: body });
      state.conversation = result.conversation_id;
      for (const action of result.actions) applyState(action.device_id, action.changes, true);
      showReply({
        kind: result.response.response_type,
        answer: result.response.speech.plain.speech,
        actions: result.actions,
        meta: result.latency_ms.toFixed(1) + " ms · " + (result.understood.intents.join(", ") || "nothing understood"),
      });
      input.select();
    } catch (err) {
      showReply({ kind: "error", answer: err.message, actions: [] });
    }
  });

  // ------------------------------------------------------------------ history chart
  let chart = null;
  let chartDevice = null;

  function chartRange() {
    const pressed = document.querySelector('.ranges button[aria-pressed="true"]');
    return Number(pressed ? pressed.dataset.range : 86400);
  }

  for (const button of document.querySelectorAll(".ranges button")) {
    button.addEventListener("click", () => {
      for (const b of document.querySelectorAll(".ranges button")) b.setAttribute("aria-pressed", String(b === button));
      if (chartDevice) drawChart(chartDevice);
    });
  }
  $("#chart-close").addEventListener("click", () => $("#chart").close());
  $("#chart").addEventListener("close", () => { if (chart) { chart.destroy(); chart = null; } chartDevice = null; });

  async function openChart(device) {
    chartDevice = device;
    $("#chart-title").textContent = device.name;
    $("#chart").showModal();
    await drawChart(device);
  }

  function alertLines(marks) {
    return {
      hooks: {
        draw: [(u) => {
          const ctx = u.ctx;
          ctx.save();
          for (const mark of marks) {
            const x = Math.round(u.valToPos(mark.time, "x", true));
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
            ctx.strokeStyle = mark.kind === "alert" ? "#d23f31" : "#e08a00";
            ctx.lineWidth = 2 * devicePixelRatio;
            ctx.setLineDash(mark.kind === "alert" ? [] : [6, 4]);
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
          }
          ctx.restore();
        }],
      },
    };
  }

  async function drawChart(device) {
    const key = device.type === "binary_sensor" ? "on" : "value";
    let history, marks;
    try {
      const sites = await api("/api/sites"); // the site's clock: virtual in the simulator
      const end = sites[0].time + 1;
      const q = "start=" + (end - chartRange()) + "&end=" + end;
      [history, marks] = await Promise.all([
        api("/api/devices/" + encodeURIComponent(device.id) + "/history?key=" + key + "&max_points=400&" + q),
        api("/api/events?kind=alert&kind=anomaly_label&device_id=" + encodeURIComponent(device.id) + "&" + q),
      ]);
    } catch (err) {
      $("#chart-info").textContent = err.message;
      return;
    }
    const num = (v) => (typeof v === "boolean" ? (v ? 1 : 0) : typeof v === "number" ? v : null);
    const xs = history.points.map((p) => p.t);
    const mean = history.points.map((p) => num(p.value));
    const lo = history.points.map((p) => (p.min === null ? null : p.min));
    const hi = history.points.map((p) => (p.max === null ? null : p.max));
    const plot = $("#chart-plot");
    plot.dataset.points = String(xs.length);
    plot.dataset.alerts = String(marks.length);
    if (chart) chart.destroy();
    const width = Math.max(260, plot.clientWidth || 600);
    const unit = history.unit ? " (" + history.unit + ")" : "";
    const stepped = device.type === "binary_sensor";
    chart = new uPlot({
      width: width,
      height: Math.min(320, Math.round(width * 0.55)),
      plugins: [alertLines(marks)],
      scales: { x: { time: true } },
      axes: [{}, { label: history.key + unit, size: 56 }],
      series: [
        {},
        { label: "min", stroke: "rgba(47,111,223,.35)", width: 1, paths: stepped ? uPlot.paths.stepped({ align: 1 }) : undefined },
        { label: "max", stroke: "rgba(47,111,223,.35)", width: 1, paths: stepped ? uPlot.paths.stepped({ align: 1 }) : undefined },
        { label: history.downsampled ? "mean" : history.key, stroke: "#2f6fdf", width: 2, paths: stepped ? uPlot.paths.stepped({ align: 1 }) : undefined },
      ],
      bands: [{ series: [2, 1], fill: "rgba(47,111,223,.12)" }],
    }, [xs, lo, hi, mean], plot);
    $("#chart-info").textContent = history.readings + " readings" + (history.downsampled ? ", shown as " + xs.length + " buckets of " + Math.round(history.bucket_seconds / 60) + " min" : "");
    const list = $("#chart-alerts");
    list.replaceChildren();
    for (const mark of marks) {
      const what = mark.kind === "alert" ? (mark.data.message || "alert") : "simulated anomaly: " + (mark.data.kind || mark.data.anomaly || JSON.stringify(mark.data));
      list.append(el("li", { "data-kind": mark.kind }, new Date(mark.time * 1000).toLocaleString() + " — " + what));
    }
  }

  // ------------------------------------------------------------------ pages
  const PAGES = ["home", "automations", "alerts", "audit", "users", "model"];
  const loaders = {};
  const enc = encodeURIComponent;
  const fmtTime = (t) => new Date(t * 1000).toLocaleString();
  const words = (s) => String(s || "").replace(/_/g, " ");

  function currentPage() {
    const page = location.hash.slice(1);
    return PAGES.includes(page) ? page : "home";
  }

  async function showPage() {
    const page = currentPage();
    for (const section of document.querySelectorAll(".page")) section.hidden = section.dataset.page !== page;
    for (const link of document.querySelectorAll("#nav a")) {
      if (link.dataset.page === page) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    document.body.dataset.page = page;
    if (!loaders[page]) return;
    delete document.body.dataset.loaded;
    try {
      await loaders[page]();
    } finally {
      if (currentPage() === page) document.body.dataset.loaded = page;
    }
  }
  window.addEventListener("hashchange", () => { if (state.ready) showPage(); });

  function showError(selector, err) {
    const node = $(selector);
    node.hidden = !err;
    node.textContent = err ? (err.status === 403 ? "Only the site's owner may see this." : err.message) : "";
  }

  function problemLines(err) {
    const problems = err && err.body && err.body.problems;
    return problems && problems.length ? problems.map((p) => p.message) : [err.message];
  }

  // ------------------------------------------------------------------ automations
  let draft = null;
  let editing = null;
  const TEMPLATE = "- id: my_automation\n  alias: My automation\n  triggers:\n    - trigger: state\n      entity_id: binary_sensor.example\n      to: \"on\"\n  actions:\n    - action: light.turn_on\n      target: {entity_id: light.example}\n";

  loaders.automations = async () => {
    let list;
    try {
      list = await api("/api/automations");
      showError("#automations-error", null);
    } catch (err) {
      showError("#automations-error", err);
      list = [];
    }
    const ul = $("#automation-list");
    ul.replaceChildren(...list.map(automationItem));
    ul.dataset.count = String(list.length);
  };

  function lastRunText(a) {
    if (!a.last_run) return "not run yet";
    return "last run " + fmtTime(a.last_run.time) + " (" + words(a.last_run.outcome) + ")";
  }

  function automationItem(a) {
    const li = el("li", { class: "item automation", "data-automation-id": a.id, "data-enabled": String(a.enabled), "data-origin": a.origin });
    li.append(el("span", { class: "title" }, a.name));
    li.append(el("span", { class: "badge" }, a.origin === "file" ? "file" : a.once ? "one-off" : "created"));
    const label = el("label", { class: "switch" });
    const box = el("input", { type: "checkbox", role: "switch", "data-role": "toggle", "aria-label": "Run " + a.name });
    box.checked = a.enabled;
    box.addEventListener("change", async () => {
      box.disabled = true;
      try {
        const updated = await api("/api/automations/" + enc(a.id) + "/" + (box.checked ? "enable" : "disable"), { method: "POST" });
        li.replaceWith(automationItem(updated));
      } catch (err) {
        box.checked = !box.checked;
        box.disabled = false;
        showError("#automations-error", err);
      }
    });
    label.append(box, el("span", {}, a.enabled ? "On" : "Off"));
    li.append(label);
    const traces = el("button", { type: "button", "data-role": "traces" }, "Traces");
    traces.addEventListener("click", () => openTraces(a));
    li.append(traces);
    if (a.origin === "created") {
      const edit = el("button", { type: "button", "data-role": "edit" }, "Edit");
      edit.addEventListener("click", () => openEditor(a));
      const remove = el("button", { type: "button", "data-role": "delete" }, "Delete");
      remove.addEventListener("click", async () => {
        if (!confirm("Delete " + a.name + "?")) return;
        try {
          await api("/api/automations/" + enc(a.id), { method: "DELETE" });
        } catch (err) {
          showError("#automations-error", err);
        }
        await loaders.automations();
      });
      li.append(edit, remove);
    }
    const about = [a.description, "when: " + a.triggers.map(words).join(", "), lastRunText(a)];
    if (a.origin === "file") about.push(a.source);
    li.append(el("div", { class: "meta" }, about.filter(Boolean).join(" · ")));
    return li;
  }

  function renderDraft() {
    const box = $("#draft");
    box.hidden = !draft;
    if (!draft) return;
    box.dataset.ok = String(draft.ok);
    $("#draft-summary").hidden = !draft.ok;
    $("#draft-summary").textContent = draft.ok ? draft.summary : "";
    $("#draft-problem").hidden = draft.ok;
    $("#draft-problem").textContent = draft.problem || "";
    $("#draft-yaml").hidden = !draft.yaml;
    $("#draft-yaml").textContent = draft.yaml || "";
    $("#draft-confirm").hidden = !draft.ok;
    $("#draft-edit").hidden = !draft.yaml;
  }

  $("#draft-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = $("#draft-text").value.trim();
    if (!text) return;
    const body = { text: text };
    const area = $("#speaker-area").value;
    if (area) body.area_id = area;
    try {
      draft = await api("/api/automations/draft", { method: "POST", json: body });
    } catch (err) {
      draft = { ok: false, summary: "", yaml: "", problem: err.message };
    }
    renderDraft();
  });

  $("#draft-confirm").addEventListener("click", async () => {
    try {
      await api("/api/automations", { method: "POST", json: { yaml: draft.yaml } });
    } catch (err) {
      $("#draft-problem").hidden = false;
      $("#draft-problem").textContent = problemLines(err).join("\n");
      return;
    }
    draft = null;
    renderDraft();
    $("#draft-text").value = "";
    await loaders.automations();
  });
  $("#draft-edit").addEventListener("click", () => openEditor(null, draft.yaml));
  $("#draft-cancel").addEventListener("click", () => { draft = null; renderDraft(); });
  $("#automation-new").addEventListener("click", () => openEditor(null, TEMPLATE));

  function openEditor(automation, text) {
    editing = automation ? automation.id : null;
    $("#editor-title").textContent = automation ? "Edit " + automation.name : "New automation";
    $("#editor-yaml").value = automation ? automation.yaml : text || TEMPLATE;
    $("#editor-problems").replaceChildren();
    $("#editor").showModal();
  }
  $("#editor-close").addEventListener("click", () => $("#editor").close());

  $("#editor-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { yaml: $("#editor-yaml").value };
    try {
      if (editing) await api("/api/automations/" + enc(editing), { method: "PUT", json: body });
      else await api("/api/automations", { method: "POST", json: body });
    } catch (err) {
      $("#editor-problems").replaceChildren(...problemLines(err).map((line) => el("li", {}, line)));
      return;
    }
    $("#editor").close();
    if (!editing) { draft = null; renderDraft(); }
    await loaders.automations();
  });

  async function openTraces(a) {
    $("#traces-title").textContent = a.name + ": recent runs";
    const list = $("#trace-list");
    list.replaceChildren();
    delete list.dataset.count;
    const empty = $("#traces-empty");
    $("#traces").showModal();
    let traces;
    try {
      traces = await api("/api/automations/" + enc(a.id) + "/traces");
    } catch (err) {
      empty.hidden = false;
      empty.textContent = err.message;
      return;
    }
    empty.hidden = traces.length > 0;
    empty.textContent = "It has not run yet.";
    for (const t of traces.slice().reverse()) {
      const item = el("li", { class: "trace", "data-outcome": t.outcome, "data-run": t.run });
      const head = el("div");
      head.append(el("strong", {}, fmtTime(t.time)), document.createTextNode(" — "), el("span", { class: "outcome" }, words(t.outcome)));
      item.append(head, el("div", { class: "small" }, "trigger: " + t.trigger));
      for (const c of t.conditions) item.append(el("div", { class: "small", "data-held": String(c.held) }, (c.held ? "✓ " : "✗ ") + c.detail));
      for (const act of t.actions) item.append(el("div", { class: "small", "data-ok": String(act.ok) }, (act.ok ? "→ " : "✗ ") + (act.target ? act.target + ": " : "") + act.detail));
      list.append(item);
    }
    list.dataset.count = String(traces.length);
  }
  $("#traces-close").addEventListener("click", () => $("#traces").close());
  $("#traces").addEventListener("close", () => { if (currentPage() === "automations") loaders.automations(); });

  // ------------------------------------------------------------------ alerts
  let unseen = 0;

  function alertItem(a) {
    const severity = a.data.severity || "info";
    const li = el("li", { class: "item alert", "data-severity": severity, "data-time": a.time });
    li.append(el("span", { class: "title" }, a.data.title ? a.data.title + ": " + (a.data.message || "") : a.data.message || "alert"));
    li.append(el("span", { class: "badge" }, severity));
    const device = a.device_id && state.devices.has(a.device_id) ? state.devices.get(a.device_id).name : a.device_id;
    li.append(el("div", { class: "meta" }, [fmtTime(a.time), device, a.source].filter(Boolean).join(" · ")));
    return li;
  }

  function updateCount() {
    const badge = $("#alert-count");
    badge.hidden = unseen === 0;
    badge.textContent = String(unseen);
  }

  loaders.alerts = async () => {
    const ul = $("#alert-list");
    try {
      const sites = await api("/api/sites");
      const end = sites[0].time + 1;
      const alerts = await api("/api/alerts?limit=500&start=" + Math.max(0, end - 7 * 86400) + "&end=" + end);
      ul.replaceChildren(...alerts.reverse().map(alertItem));
      if (!alerts.length) ul.append(el("li", { class: "muted small empty" }, "No alerts in the last 7 days."));
    } catch (err) {
      ul.replaceChildren(el("li", { class: "error" }, err.message));
    }
    unseen = 0;
    updateCount();
  };

  function onAlert(msg) {
    if (currentPage() === "alerts") {
      const ul = $("#alert-list");
      const empty = ul.querySelector(".empty");
      if (empty) empty.remove();
      ul.prepend(alertItem(msg));
    } else {
      unseen += 1;
      updateCount();
    }
  }

  // ------------------------------------------------------------------ audit
  loaders.audit = async () => {
    const body = $("#audit-table tbody");
    let rows;
    try {
      rows = await api("/api/audit?limit=200");
      showError("#audit-error", null);
    } catch (err) {
      showError("#audit-error", err);
      body.replaceChildren();
      return;
    }
    body.replaceChildren(...rows.reverse().map((r) => {
      const rec = r.record;
      const what = rec.text || rec.answer || (Array.isArray(rec.actions) ? rec.actions.map((a) => JSON.stringify(a)).join("; ") : "");
      const tr = el("tr", { "data-seq": r.seq });
      for (const cell of [fmtTime(r.ts), rec.user || "", rec.source || "", what, words(rec.decision || "")]) tr.append(el("td", {}, String(cell)));
      return tr;
    }));
  };

  // ------------------------------------------------------------------ users and tokens
  loaders.users = async () => {
    let users, tokens;
    try {
      [users, tokens] = await Promise.all([api("/api/users"), api("/api/tokens")]);
      showError("#users-error", null);
    } catch (err) {
      showError("#users-error", err);
      $("#user-list").replaceChildren();
      $("#token-list").replaceChildren();
      return;
    }
    $("#user-list").replaceChildren(...users.map((u) => {
      const li = el("li", { class: "item user", "data-user": u.id });
      li.append(el("span", { class: "title" }, u.id), el("span", { class: "badge" }, u.role || "data only"));
      li.append(el("div", { class: "meta" }, u.tokens + " live token" + (u.tokens === 1 ? "" : "s")));
      return li;
    }));
    const select = $("#token-user");
    select.replaceChildren(...users.filter((u) => u.role).map((u) => el("option", { value: u.id }, u.id + " (" + u.role + ")")));
    $("#token-list").replaceChildren(...tokens.slice().reverse().map((t) => {
      const li = el("li", { class: "item token", "data-token-id": t.id, "data-revoked": String(t.revoked !== null) });
      li.append(el("span", { class: "title" }, (t.label || "token") + " · " + t.user));
      if (t.revoked === null) {
        const revoke = el("button", { type: "button", "data-role": "revoke" }, "Revoke");
        revoke.addEventListener("click", async () => {
          if (!confirm("Revoke this token of " + t.user + "? It stops working at once.")) return;
          try {
            await api("/api/tokens/" + enc(t.id), { method: "DELETE" });
          } catch (err) {
            showError("#users-error", err);
          }
          await loaders.users();
        });
        li.append(revoke);
      } else {
        li.append(el("span", { class: "badge" }, "revoked"));
      }
      li.append(el("div", { class: "meta" }, "id " + t.id + " · made " + fmtTime(t.created) + (t.revoked ? " · revoked " + fmtTime(t.revoked) : "")));
      return li;
    }));
  };

  $("#token-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const secret = $("#token-secret");
    try {
      const made = await api("/api/tokens", { method: "POST", json: { user: $("#token-user").value, label: $("#token-label").value.trim() } });
      secret.hidden = false;
      secret.textContent = "New token for " + made.user + " (shown once; copy it now): " + made.token;
      $("#token-label").value = "";
    } catch (err) {
      secret.hidden = true;
      showError("#users-error", err);
    }
    await loaders.users();
  });

  // ------------------------------------------------------------------ model
  function figuresText(figures) {
    const out = [];
    const walk = (prefix, value, depth) => {
      if (out.length >= 4) return;
      if (typeof value === "number") out.push(words(prefix) + " " + (value <= 1 && value >= 0 ? (100 * value).toFixed(1) + "%" : fmtNumber(value)));
      else if (value && typeof value === "object" && depth < 2) for (const [k, v] of Object.entries(value)) walk(prefix ? prefix + " " + k : k, v, depth + 1);
    };
    walk("", figures || {}, 0);
    return out.join(", ") || "—";
  }

  function renderTraining(t) {
    const bar = $("#training-progress");
    bar.hidden = !t.running && t.phase !== "finished";
    bar.max = Math.max(1, t.total);
    bar.value = t.phase === "finished" ? bar.max : t.step;
    const parts = [t.phase ? words(t.phase) : "", t.total ? t.step + " of " + t.total + " steps" : "", t.message];
    if (t.accepted !== null && t.accepted !== undefined) parts.push(t.accepted ? "better: deployed" : "not better: kept aside");
    $("#training-text").textContent = parts.filter(Boolean).join(" · ");
    $("#training").dataset.phase = t.phase || "idle";
    $("#training-start").disabled = t.running;
  }

  loaders.model = async () => {
    const sites = await api("/api/sites").catch(() => [state.site]);
    $("#model-current").textContent = "In service: " + ((sites[0] && sites[0].model_version) || "no model");
    const body = $("#model-table tbody");
    try {
      const versions = await api("/api/models");
      showError("#model-error", null);
      $("#model-rollback").hidden = versions.length < 2;
      body.replaceChildren(...versions.slice().reverse().map((v) => {
        const tr = el("tr", { "data-version": v.id, "data-in-service": String(v.in_service) });
        tr.append(el("td", {}, v.id + (v.in_service ? " (in service)" : "")), el("td", {}, String(v.info.created || "")), el("td", {}, String(v.info.kind || "")), el("td", {}, figuresText(v.info.figures)));
        const cell = el("td");
        if (!v.in_service) {
          const deploy = el("button", { type: "button", "data-role": "deploy" }, "Deploy");
          deploy.addEventListener("click", async () => {
            if (!confirm("Put " + v.id + " in service?")) return;
            try {
              await api("/api/models/" + enc(v.id) + "/deploy", { method: "POST" });
            } catch (err) {
              showError("#model-error", err);
            }
            await loaders.model();
          });
          cell.append(deploy);
        }
        tr.append(cell);
        return tr;
      }));
    } catch (err) {
      showError("#model-error", err);
      $("#model-rollback").hidden = true;
      body.replaceChildren();
    }
    try {
      renderTraining(await api("/api/models/training"));
      $("#training").hidden = false;
    } catch (err) {
      $("#training").hidden = true;
    }
  };

  $("#model-rollback").addEventListener("click", async () => {
    if (!confirm("Go back to the model in service before?")) return;
    try {
      await api("/api/models/rollback", { method: "POST" });
    } catch (err) {
      showError("#model-error", err);
    }
    await loaders.model();
  });

  $("#training-start").addEventListener("click", async () => {
    try {
      renderTraining(await api("/api/models/training", { method: "POST" }));
    } catch (err) {
      showError("#model-error", err);
    }
  });

  // ------------------------------------------------------------------ live stream
  function connect() {
    if (state.ws) state.ws.close();
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const ws = new WebSocket(scheme + location.host + "/api/stream?token=" + encodeURIComponent(state.token));
    state.ws = ws;
    ws.onopen = () => { state.retry = 0; $("#link").dataset.state = "on"; };
    ws.onmessage = (event) => {
      const msg = JSON.parse(event.data);
      if (msg.type === "state_changed" && msg.device_id) applyState(msg.device_id, msg.data, msg.source !== "command");
      else if (msg.type === "alert") onAlert(msg);
      else if (msg.type === "training_progress" && currentPage() === "model") renderTraining(msg.data);
    };
    ws.onclose = (event) => {
      $("#link").dataset.state = "off";
      if (state.ws !== ws) return;
      if (event.code === 4401) { askToken("That token was not accepted."); return; }
      const delay = Math.min(30000, 500 * 2 ** state.retry++) * (0.5 + Math.random() / 2);
      setTimeout(connect, delay);
    };
  }

  // ------------------------------------------------------------------ start
  async function start() {
    if (!state.token) { askToken(""); return; }
    try {
      const [sites, floors, areas, devices] = await Promise.all([
        api("/api/sites"), api("/api/floors"), api("/api/areas"), api("/api/devices"),
      ]);
      $("#login").open && $("#login").close();
      state.site = sites[0];
      state.floors = floors;
      state.areas = areas;
      state.devices = new Map(devices.map((d) => [d.id, d]));
      $("#site-name").textContent = state.site ? state.site.name : "";
      fillAreas();
      renderSite();
      connect();
      state.ready = true;
      document.body.dataset.ready = "true";
      showPage();
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) {
        $("#site").textContent = "Could not load the site: " + err.message;
      }
    }
  }

  state.token = readToken();
  start();
})();
