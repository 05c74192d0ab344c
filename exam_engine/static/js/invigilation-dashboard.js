// Live dashboard: polls the session's status JSON and updates each candidate's row in place.
(function () {
  "use strict";
  var table = document.getElementById("dashboard");
  if (!table) { return; }
  var INTERVAL_MS = 3000;
  var conduct = table.dataset.conduct === "yes";

  function button(label, url, cls) {
    var form = document.createElement("form");
    form.method = "post";
    form.action = url;
    form.className = "inline-form";
    var token = document.createElement("input");
    token.type = "hidden"; token.name = "csrf_token"; token.value = table.dataset.csrf;
    var submit = document.createElement("button");
    submit.type = "submit"; submit.className = "button " + (cls || ""); submit.textContent = label;
    form.appendChild(token); form.appendChild(submit);
    return form;
  }

  function renderAlerts(cell, alerts) {
    var key = alerts.map(function (a) { return a.id; }).join(",");
    if (cell.dataset.alerts === key) { return; }  // unchanged: keep focus where it is
    cell.dataset.alerts = key;
    cell.textContent = "";
    alerts.forEach(function (a) {
      var note = document.createElement("div");
      note.className = "alert-note"; note.setAttribute("role", "status");
      var about = a.kind === "sign_in" ? "sign-in" : "item " + (a.item || "–");
      note.textContent = a.raised_at + " " + about + ": " + a.message + " ";
      if (conduct) {
        note.appendChild(button("Make incident", table.dataset.incidentUrl.replace("/0/", "/" + a.id + "/")));
        note.appendChild(button("Dismiss", table.dataset.dismissUrl.replace("/0/", "/" + a.id + "/"), "button--secondary-dark"));
      }
      cell.appendChild(note);
    });
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
      renderAlerts(tr.querySelector('[data-field="alerts"]'), row.open_alerts);
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
