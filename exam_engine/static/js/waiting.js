// The waiting page moves on by itself once the invigilator unlocks the test.
(function () {
  "use strict";
  var status = document.getElementById("waiting-status");
  var sitting = status.getAttribute("data-sitting");
  function check() {
    fetch("/api/runner/sittings/" + sitting, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (found) {
        if (found && found.state !== "present") {
          status.textContent = "Your test is unlocked. Opening it now.";
          window.location.reload();
        } else {
          window.setTimeout(check, 5000);
        }
      })
      .catch(function () { window.setTimeout(check, 10000); });
  }
  window.setTimeout(check, 5000);
})();
