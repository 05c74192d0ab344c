/* After the test: check every acknowledgement this computer's journal holds against the
   server's stored answers, and say the result in words. */
(function () {
  "use strict";
  var box = document.getElementById("journal-check");
  if (!box) { return; }
  var journal = JSON.parse(localStorage.getItem("runner:journal:" + box.dataset.attempt) || "[]");
  var acked = journal.filter(function (e) { return e.acked; }).map(function (e) { return e.key; });
  var unsent = journal.filter(function (e) { return !e.acked && !e.refused; }).length;
  var refused = journal.filter(function (e) { return e.refused; }).length;
  fetch(box.dataset.url, { method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", "Accept": "application/json",
      "X-CSRFToken": document.querySelector('meta[name="csrf-token"]').content },
    body: JSON.stringify({ acknowledged: acked }) })
    .then(function (r) { return r.json(); })
    .then(function (report) {
      var text = report.acknowledgements_missing.length
        ? "Warning: " + report.acknowledgements_missing.length + " saved answer(s) are missing. Tell your invigilator now."
        : "Checked: all " + acked.length + " answer changes this computer saved are stored on the server.";
      if (refused) { text += " " + refused + " change(s) made after the end of the test were not accepted."; }
      if (unsent) { text += " " + unsent + " change(s) were never sent."; }
      document.getElementById("journal-result").textContent = text;
    })
    .catch(function () { document.getElementById("journal-result").textContent = "The check could not run: no connection."; });
}());
