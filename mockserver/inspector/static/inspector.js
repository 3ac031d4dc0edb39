// The inspector's script: live journal rows (polling /__admin/ui/feed), and the writes, made
// through the admin API as same-origin JSON. The pages work without it, read-only.
"use strict";

(function () {
  const body = document.body;
  const page = body.dataset.page;

  for (const el of document.querySelectorAll("[data-needs-js]")) el.hidden = false;

  function flash(text, good) {
    const box = document.getElementById("flash");
    if (!box) return;
    box.textContent = text;
    box.className = good ? "good" : "";
    box.hidden = false;
  }

  // One admin call; a problem+json answer is shown, and rejects.
  async function call(method, url, payload, contentType) {
    const init = { method, headers: {}, credentials: "same-origin" };
    if (payload !== undefined) {
      init.headers["Content-Type"] = contentType || "application/json";
      init.body = contentType ? payload : JSON.stringify(payload);
    }
    const answer = await fetch(url, init);
    const text = await answer.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = text; }
    if (!answer.ok) {
      const why = data && data.detail ? data.detail : text || answer.statusText;
      flash(`${method} ${url}: ${answer.status} ${why}`);
      throw new Error(why);
    }
    return data;
  }

  // --- the journal ------------------------------------------------------------------------------

  function cell(row, text, cls) {
    const td = document.createElement("td");
    if (cls) td.className = cls;
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function link(td, href, text) {
    td.textContent = "";
    const a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    td.appendChild(a);
  }

  function rowElement(r) {
    const tr = document.createElement("tr");
    tr.className = `${r.statusClass}${r.violations ? " violating" : ""} fresh`;
    tr.dataset.seq = r.seq;
    const href = `/__admin/ui/requests/${encodeURIComponent(r.id)}`;
    link(cell(tr, "", "seq"), href, String(r.seq));
    cell(tr, r.time.slice(11, 23), "time");
    cell(tr, r.method, "method");
    link(cell(tr, "", "path"), href, r.target);
    cell(tr, r.status ? String(r.status) : "no response", "status");
    cell(tr, `${r.durationMs.toFixed(1)} ms`, "duration");
    cell(tr, r.token, "token");
    const mark = cell(tr, "", "mark");
    if (r.violations) {
      const span = document.createElement("span");
      span.className = "violation";
      span.title = "broke the contract";
      span.textContent = `✗ ${r.violations}`;
      mark.appendChild(span);
    } else if (r.warnings) {
      const span = document.createElement("span");
      span.className = "warning";
      span.textContent = `! ${r.warnings}`;
      mark.appendChild(span);
    }
    for (const f of r.faults) {
      const span = document.createElement("span");
      span.className = "fault";
      span.textContent = f;
      mark.append(" ", span);
    }
    return tr;
  }

  function journal() {
    const rows = document.getElementById("rows");
    const empty = document.getElementById("empty");
    const form = document.getElementById("filters");
    let newest = Number(body.dataset.newest || 0);
    const every = Number(body.dataset.pollMs || 1000);

    for (const select of form.querySelectorAll("select, input[type=checkbox]")) {
      select.addEventListener("change", () => form.submit());
    }

    async function poll() {
      const params = new URLSearchParams(new FormData(form));
      params.set("after", String(newest));
      try {
        const answer = await fetch(`/__admin/ui/feed?${params}`, { credentials: "same-origin" });
        if (answer.status === 401) { location.reload(); return; }
        if (answer.ok) {
          const data = await answer.json();
          if (data.reset) rows.textContent = "";
          const fragment = document.createDocumentFragment();
          for (const r of data.rows) fragment.appendChild(rowElement(r));
          rows.insertBefore(fragment, rows.firstChild);
          while (rows.children.length > 200) rows.removeChild(rows.lastChild);
          newest = data.newest;
          empty.hidden = rows.children.length > 0;
        }
      } catch (e) {
        // The server is restarting or gone: try again at the next tick.
      }
      setTimeout(poll, every);
    }
    setTimeout(poll, every);

    document.getElementById("clear").addEventListener("click", async () => {
      await call("DELETE", "/__admin/requests");
      rows.textContent = "";
      empty.hidden = false;
    });
  }

  // --- one request ------------------------------------------------------------------------------

  function request() {
    const button = document.getElementById("copy-curl");
    button.addEventListener("click", async () => {
      const text = document.getElementById("curl").textContent;
      try {
        await navigator.clipboard.writeText(text);
      } catch (e) {
        const range = document.createRange();
        range.selectNodeContents(document.getElementById("curl"));
        const selection = getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        document.execCommand("copy");
      }
      button.textContent = "Copied";
    });
  }

  // --- faults and rate limits -------------------------------------------------------------------

  // "code=503, delay=800" or "fault=rate_limited": a fault rule of the admin API.
  function preferRule(text) {
    const rule = {};
    for (const part of text.split(/[,;]/)) {
      const [key, value] = part.split("=").map((s) => (s || "").trim());
      if (!key) continue;
      if (key === "code" || key === "status") rule.status = Number(value);
      else if (key === "fault") rule.preset = value;
      else if (key === "delay") rule.delay = Number(value);
      else throw new Error(`unknown Prefer key ${key}: use code=, fault= or delay=`);
    }
    return rule;
  }

  function faults() {
    document.getElementById("add-fault").addEventListener("submit", async (event) => {
      event.preventDefault();
      const form = new FormData(event.target);
      let rule;
      try { rule = preferRule(String(form.get("prefer"))); } catch (e) { flash(e.message); return; }
      rule.route = String(form.get("route"));
      if (form.get("method")) rule.method = String(form.get("method"));
      await call("POST", "/__admin/faults", rule);
      location.reload();
    });
    body.addEventListener("click", async (event) => {
      const button = event.target.closest("button[data-action]");
      if (!button) return;
      const { action, name, preset, mode } = button.dataset;
      if (action === "remove-rule") await call("DELETE", `/__admin/faults/${encodeURIComponent(name)}`);
      else if (action === "preset-on") await call("POST", "/__admin/faults", { name, preset });
      else if (action === "reset-rules") await call("POST", "/__admin/faults/reset");
      else if (action === "limits") await call("POST", "/__admin/rate-limits", mode);
      else if (action === "limits-default") await call("DELETE", "/__admin/rate-limits");
      else if (action === "limits-reset") await call("POST", "/__admin/rate-limits/reset");
      else return;
      location.reload();
    });
  }

  // --- the scenario -----------------------------------------------------------------------------

  function scenario() {
    body.addEventListener("click", async (event) => {
      const button = event.target.closest("button[data-action=reset]");
      if (!button) return;
      await call("POST", "/__admin/reset");
      location.reload();
    });
    document.getElementById("load-file").addEventListener("submit", async (event) => {
      event.preventDefault();
      const form = new FormData(event.target);
      const file = form.get("file");
      const seed = String(form.get("seed") || "");
      const url = "/__admin/scenario" + (seed ? `?seed=${encodeURIComponent(seed)}` : "");
      await call("POST", url, await file.text(), "application/yaml");
      location.reload();
    });
    document.getElementById("load-default").addEventListener("submit", async (event) => {
      event.preventDefault();
      await call("POST", "/__admin/scenario", { default: true });
      location.reload();
    });
  }

  const pages = { journal, request, faults, scenario };
  if (pages[page]) pages[page]();
})();
