/* The workbench's item form, enhanced: the criteria picker shows only the chosen learning
   outcome's criteria (and any group with a ticked box, so nothing ticked is ever hidden), and
   the premises only for matching items. Without this script every group is there, folded. */
(function () {
  "use strict";
  var outcome = document.getElementById("outcome");
  var status = document.getElementById("criteria-status");
  var groups = Array.prototype.slice.call(document.querySelectorAll(".outcome-group"));
  var type = document.getElementById("type");
  var premises = document.getElementById("field-premises");

  function ticked(group) { return group.querySelector("input:checked") !== null; }

  function scope() {
    var chosen = outcome.value, shown = 0;
    groups.forEach(function (group) {
      var mine = group.getAttribute("data-outcome") === chosen;
      group.hidden = !(mine || ticked(group));
      if (mine) { group.open = true; }
      if (!group.hidden) { shown += group.querySelectorAll("input[name=criteria]").length; }
    });
    status.textContent = chosen ? "Showing the " + shown + " assessment criteria of " + chosen + "."
      : "Choose a learning outcome to see its assessment criteria.";
  }

  function premisesFor() {
    var filled = Array.prototype.some.call(premises.querySelectorAll("input"), function (i) { return i.value; });
    premises.hidden = type.value !== "matching" && !filled;
  }

  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }
  if (outcome && status) { outcome.addEventListener("change", scope); scope(); }
  if (type && premises) { type.addEventListener("change", premisesFor); premisesFor(); }
}());
