// Shelfwise pages: small enhancements; every page also works without this file.
"use strict";

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

// Classify: preview the chosen photo, and accept a photo dropped on the drop zone.
function setupPhoto() {
  const input = document.getElementById("image");
  const drop = document.getElementById("drop");
  const preview = document.getElementById("preview");
  if (!input || !drop || !preview) return;
  const show = () => {
    const file = input.files && input.files[0];
    if (!file) { preview.hidden = true; return; }
    preview.src = URL.createObjectURL(file);
    preview.hidden = false;
  };
  input.addEventListener("change", show);
  ["dragenter", "dragover"].forEach((name) => drop.addEventListener(name, (event) => {
    event.preventDefault();
    drop.classList.add("over");
  }));
  ["dragleave", "drop"].forEach((name) => drop.addEventListener(name, () => drop.classList.remove("over")));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      show();
    }
  });
}

// Category pickers: the search box filters the list below it.
function setupCategorySearch() {
  document.querySelectorAll(".category-search").forEach((search) => {
    const select = document.getElementById(search.dataset.target);
    if (!select) return;
    search.addEventListener("input", () => {
      const needle = search.value.trim().toLowerCase();
      let first = null;
      Array.from(select.options).forEach((option) => {
        const match = option.text.toLowerCase().includes(needle);
        option.hidden = !match;
        if (match && !first) first = option;
      });
      if (first && (select.selectedIndex < 0 || select.options[select.selectedIndex].hidden)) {
        first.selected = true;
      }
    });
  });
}

// Forms with data-confirm ask before they are sent (promote, roll back, deactivate).
function setupConfirmations() {
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
}

// A job's progress bar: poll the frontend's JSON view of the job until it ends.
function renderJob(section, job) {
  section.querySelector("progress").value = job.percent;
  section.querySelector("progress").textContent = job.percent + "%";
  section.querySelector(".job-percent").textContent = job.percent;
  section.querySelector(".job-label").textContent = job.label;
  section.querySelector(".job-state").textContent = job.state;
  section.querySelector(".job-stage").textContent = (job.progress && job.progress.stage) || "—";
  section.querySelector(".job-epoch").textContent = (job.progress && job.progress.epoch) || "—";
  const metrics = section.querySelector(".job-metrics");
  metrics.replaceChildren();
  Object.entries((job.progress && job.progress.metrics) || {}).forEach(([name, value]) => {
    if (value !== null && typeof value === "object") return; // nested scores: see Models
    const dt = document.createElement("dt");
    dt.textContent = name;
    const dd = document.createElement("dd");
    dd.textContent = typeof value === "number" && !Number.isInteger(value) ? value.toFixed(4) : String(value);
    metrics.append(dt, dd);
  });
  const result = section.querySelector(".job-result");
  if (job.final) {
    result.replaceChildren(describeResult(job));
    const cancel = section.querySelector(".job-cancel");
    if (cancel) cancel.remove();
  }
}

function describeResult(job) {
  const box = document.createElement("div");
  if (job.error) {
    const p = document.createElement("p");
    p.className = "flash error";
    p.textContent = job.error;
    box.append(p);
  }
  const result = job.result || {};
  const dl = document.createElement("dl");
  dl.className = "result";
  Object.entries(result).forEach(([name, value]) => {
    if (name === "rejected_rows" || name === "metrics" || name === "rejected_by_reason") return;
    const dt = document.createElement("dt");
    dt.textContent = name;
    const dd = document.createElement("dd");
    dd.textContent = typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
    dl.append(dt, dd);
  });
  box.append(dl);
  if (result.rejected_rows && result.rejected_rows.length) {
    const table = document.createElement("table");
    const caption = table.createCaption();
    caption.textContent = "Rejected rows";
    const head = table.createTHead().insertRow();
    ["Row", "Product", "Reason", "Detail"].forEach((title) => {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = title;
      head.append(th);
    });
    const body = table.createTBody();
    result.rejected_rows.forEach((row) => {
      const tr = body.insertRow();
      [row.row, row.productid, row.reason, row.detail].forEach((value) => {
        tr.insertCell().textContent = value === undefined || value === null ? "" : String(value);
      });
    });
    box.append(table);
  }
  return box;
}

function pollJob(section) {
  if (!section || section.dataset.final === "true") return;
  const tick = () => {
    fetch(section.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => response.json().then((body) => ({ ok: response.ok, body })))
      .then(({ ok, body }) => {
        if (!ok) throw new Error((body.error && body.error.message) || "The job could not be read.");
        renderJob(section, body);
        if (!body.final) window.setTimeout(tick, 1000);
      })
      .catch((error) => {
        section.querySelector(".job-label").textContent = error.message + " Retrying…";
        window.setTimeout(tick, 3000);
      });
  };
  window.setTimeout(tick, 500);
}

function jobSection(jobId, statusUrl) {
  // The same markup as the server's job_progress macro, built safely with textContent.
  const section = document.createElement("section");
  section.className = "job";
  section.id = "job";
  section.dataset.url = statusUrl;
  section.dataset.final = "false";
  section.setAttribute("aria-live", "polite");
  const h2 = document.createElement("h2");
  h2.textContent = "Import job " + jobId;
  const label = document.createElement("label");
  label.htmlFor = "job-bar";
  label.append("Progress: ");
  const text = document.createElement("span");
  text.className = "job-label";
  text.textContent = "Queued";
  const pct = document.createElement("span");
  pct.className = "job-percent";
  pct.textContent = "0";
  label.append(text, " (", pct, "%)");
  const bar = document.createElement("progress");
  bar.id = "job-bar";
  bar.max = 100;
  bar.value = 0;
  const state = document.createElement("p");
  state.append("State: ");
  ["job-state", "job-stage", "job-epoch"].forEach((cls, i) => {
    const span = document.createElement(i === 0 ? "strong" : "span");
    span.className = cls;
    span.textContent = i === 0 ? "queued" : "—";
    state.append(span, i < 2 ? (i === 0 ? " · stage " : " · epoch ") : "");
  });
  const metrics = document.createElement("dl");
  metrics.className = "job-metrics";
  const result = document.createElement("div");
  result.className = "job-result";
  section.append(h2, label, bar, state, metrics, result);
  return section;
}

// Bulk upload: send with XMLHttpRequest to show upload progress, then follow the import job.
function setupUpload() {
  const form = document.getElementById("upload-form");
  if (!form) return;
  const bar = document.getElementById("upload-bar");
  const status = document.getElementById("upload-status");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) {
        bar.value = Math.round((100 * e.loaded) / e.total);
        status.textContent = "Uploading… " + bar.value + "%";
      }
    });
    xhr.addEventListener("load", () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (_) { body = {}; }
      if (xhr.status >= 400 || !body.job_id) {
        status.textContent = (body.error && body.error.message) || "The upload failed (HTTP " + xhr.status + ").";
        status.className = "flash error";
        return;
      }
      bar.value = 100;
      status.className = "muted";
      status.textContent = "Uploaded; importing…";
      const slot = document.getElementById("job-slot");
      const section = jobSection(body.job_id, body.status_url);
      slot.replaceChildren(section);
      pollJob(section);
    });
    xhr.addEventListener("error", () => {
      status.textContent = "The upload failed: the server could not be reached.";
      status.className = "flash error";
    });
    bar.value = 0;
    status.className = "muted";
    status.textContent = "Uploading…";
    xhr.send(new FormData(form));
  });
}

document.addEventListener("DOMContentLoaded", () => {
  setupPhoto();
  setupCategorySearch();
  setupConfirmations();
  setupUpload();
  pollJob(document.getElementById("job"));
});
