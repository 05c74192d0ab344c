// Live dashboard: polls the session's status JSON and updates each candidate's row in place.
(function () {
  "use strict";
  var table = document.getElementById("dashboard");
  if (!table) { return; }
  var INTERVAL_MS = 3000;
  var conduct = table.dataset.conduct === "yes";

  function form(url, cls) {
    var element = document.createElement("form");
    element.method = "post";
    element.action = url;
    element.className = cls;
    [["csrf_token", table.dataset.csrf], ["back", "dashboard"]].forEach(function (pair) {
      var hidden = document.createElement("input");
      hidden.type = "hidden"; hidden.name = pair[0]; hidden.value = pair[1];
      element.appendChild(hidden);
    });
    return element;
  }

  function submitButton(label, cls) {
    var submit = document.createElement("button");
    submit.type = "submit"; submit.className = "button " + (cls || ""); submit.textContent = label;
    return submit;
  }

  // The same controls as the page's own (the alert_actions macro): make an incident, or resolve with a note.
  function alertActions(alert, candidate) {
    var box = document.createElement("div");
    box.className = "alert-actions";
    var incident = form(table.dataset.incidentUrl.replace("/0/", "/" + alert.id + "/"), "inline-form");
    incident.appendChild(submitButton("Make incident"));
    var resolve = form(table.dataset.resolveUrl.replace("/0/", "/" + alert.id + "/"), "card-form");
    var label = document.createElement("label");
    label.htmlFor = "resolve-dashboard-" + alert.id;
    label.textContent = "What was done";
    var hidden = document.createElement("span");
    hidden.className = "visually-hidden"; hidden.textContent = " about " + candidate + "'s alert";
    label.appendChild(hidden);
    var note = document.createElement("input");
    note.id = label.htmlFor; note.name = "note"; note.required = true;
    resolve.appendChild(label); resolve.appendChild(note); resolve.appendChild(submitButton("Resolve", "button--secondary-dark"));
    box.appendChild(incident); box.appendChild(resolve);
    return box;
  }

  function renderAlerts(cell, alerts, candidate) {
    var key = alerts.map(function (a) { return a.id; }).join(",");
    if (cell.dataset.alerts === key) { return; }  // unchanged: keep focus where it is
    cell.dataset.alerts = key;
    cell.textContent = "";
    alerts.forEach(function (a) {
      var note = document.createElement("div");
      note.className = "alert-note"; note.setAttribute("role", "status");
      var about = a.kind === "sign_in" ? "sign-in" : "item " + (a.item || "–");
      note.textContent = a.raised_at + " " + about + ": " + a.message + " ";
      if (conduct) { note.appendChild(alertActions(a, candidate)); }
      cell.appendChild(note);
    });
  }

  function renderReconciliation(cell, row) {
    if (!cell || !row.reconciliation || cell.querySelector("a")) { return; }
    var link = document.createElement("a");
    link.href = table.dataset.reconciliationUrl.replace("/0/", "/" + row.id + "/");
    link.textContent = "Reconciliation";
    var hidden = document.createElement("span");
    hidden.className = "visually-hidden"; hidden.textContent = " report for " + row.candidate;
    link.appendChild(hidden);
    cell.appendChild(document.createElement("br"));
    cell.appendChild(link);
  }

  function update(data) {
    document.getElementById("session-state").textContent = data.session_state;
    document.getElementById("room-clock").textContent = data.now;
    data.rows.forEach(function (row) {
      var tr = table.querySelector('tr[data-sitting="' + row.id + '"]');
      if (!tr) { window.location.reload(); return; }
      ["state_label", "progress", "remaining", "deadline", "browser", "failed_sign_ins"].forEach(function (field) {
        var cell = tr.querySelector('[data-field="' + field + '"]');
        if (!cell) { return; }  // a column the session does not show (the browser check without Safe Exam Browser)
        var text = field === "failed_sign_ins" ? (row[field] ? String(row[field]) : "") : row[field];
        if (cell.textContent !== text) { cell.textContent = text; }
      });
      renderAlerts(tr.querySelector('[data-field="alerts"]'), row.open_alerts, row.candidate);
      renderReconciliation(tr.querySelector('[data-field="reconciliation"]'), row);
    });
  }

  function poll() {
    fetch(table.dataset.statusUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { update(data); } })
      .catch(function () { /* keep the last figures; try again at the next tick */ })
      .then(function () { window.setTimeout(poll, INTERVAL_MS); });
  }
  window.setTimeout(poll, INTERVAL_MS);
}());
