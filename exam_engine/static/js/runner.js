/* The learner's test runner: one question per screen, driven by the JSON API.
   Every answer change goes into a journal in localStorage (keyed by attempt) with an
   idempotency key, and is sent in order; unacknowledged changes are replayed after a
   network failure or a reload. The clock shown is the server's remaining time,
   re-synced on every response and by a periodic status poll (which carries pauses). */
(function () {
  "use strict";
  var root = document.getElementById("runner");
  if (!root) { return; }
  var api = root.dataset.api, attemptId = root.dataset.attempt, mode = root.dataset.mode;
  var planned = parseInt(root.dataset.planned, 10), pollMs = parseInt(root.dataset.pollMs, 10) || 15000;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var journalKey = "runner:journal:" + attemptId;
  var journal = JSON.parse(localStorage.getItem(journalKey) || "[]");
  var state = { position: 1, given: 1, item: null, remaining: null, syncedAt: 0, paused: false, open: true,
    warned10: false, warned5: false, sending: false, offline: false, review: [] };
  var $ = function (id) { return document.getElementById(id); };

  function on(id, handler) { var el = $(id); if (el) { el.addEventListener("click", handler); } }
  function saveJournal() { localStorage.setItem(journalKey, JSON.stringify(journal)); }
  function pending() { return journal.filter(function (e) { return !e.acked && !e.refused; }); }
  /* Neutral news (saved, paused, restarted) is a polite status; warnings and refusals an alert. Both clear
     when the learner moves to another screen. */
  function announce(text) { $("announcer").textContent = text; }
  function warn(text) { $("alerter").textContent = text; }
  function clearMessages() { announce(""); warn(""); }

  /* The practice test keeps its whole state in the visitor's signed session cookie, so its requests go one
     at a time: two at once would each write back the state they read, and the later would undo the earlier. */
  var serial = root.dataset.state === "session", queue = Promise.resolve();
  function request(method, url, body) {
    if (!serial) { return send(method, url, body); }
    var sent = queue.then(function () { return send(method, url, body); });
    queue = sent.catch(function () { return null; });
    return sent;
  }
  function send(method, url, body) {
    var options = { method: method, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrf } };
    if (body !== undefined) { options.headers["Content-Type"] = "application/json"; options.body = JSON.stringify(body); }
    return fetch(url, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { ok: response.ok, status: response.status, data: data };
      });
    });
  }

  /* ---- clock ---- */
  function sync(status) {
    if (!status) { return; }
    var pauseChanged = status.paused !== state.paused;
    state.remaining = status.remaining_seconds;
    state.syncedAt = performance.now();
    state.paused = status.paused;
    state.given = status.items_given;
    if (status.items_planned) { planned = status.items_planned; }  /* adaptive: re-planned with each item */
    $("pause-reason").textContent = status.paused ? "Reason: " + (status.pause_reason || "invigilator's decision") + "." : "";
    if (pauseChanged) { showPause(status.paused); }
    if (!status.open) { finish(); }
  }
  /* While paused the questions and the submit button are hidden: nothing can be read, answered
     or submitted on a stopped clock. Focus on a control that disappears moves to what replaced it. */
  function showPause(paused) {
    var focused = document.activeElement;
    var lost = focused === document.body || focused === $("pause-heading") || $("test-area").contains(focused);
    $("pause-panel").hidden = !paused;
    $("test-area").hidden = paused;
    announce(paused ? "Your test is paused: the clock has stopped." : "Your test has restarted: the clock is running again.");
    if (lost) { (paused ? $("pause-heading") : $("review-view").hidden ? $("item-heading") : $("review-heading")).focus(); }
  }
  function remainingNow() {
    if (state.remaining === null) { return null; }
    if (state.paused) { return state.remaining; }
    return Math.max(0, state.remaining - (performance.now() - state.syncedAt) / 1000);
  }
  /* The clock reads hh:mm (the last minute as "under 1 min"); `data-seconds` holds the exact seconds.
     From 5 minutes left it says "Low time" in words, not by colour alone. It can be hidden; the
     10- and 5-minute warnings are still given. */
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var left = remainingNow();
    if (left === null) { return; }
    var whole = Math.floor(left), timer = $("timer"), low = left <= 300;
    timer.dataset.seconds = String(whole);
    timer.textContent = (whole >= 60 || whole === 0 ? pad(Math.floor(whole / 3600)) + ":" + pad(Math.floor(whole % 3600 / 60))
      : "under 1 min") + (state.paused ? " (paused)" : "");
    $("low-time").hidden = !low; $("clock").classList.toggle("exam-bar__clock--low", low);
    if (left <= 600 && !state.warned10 && left > 300) { state.warned10 = true; warn("10 minutes left."); }
    if (left <= 300 && !state.warned5 && left > 0) { state.warned5 = true; warn("5 minutes left."); }
    if (left <= 0 && state.open) { warn("Time is up. Your saved answers are kept."); poll(); }
  }
  on("clock-toggle", function () {
    var hide = $("clock-toggle").getAttribute("aria-pressed") !== "true";
    $("clock-toggle").setAttribute("aria-pressed", hide ? "true" : "false");
    $("clock-toggle").textContent = hide ? "Show time" : "Hide time";
    $("clock-text").hidden = hide;
  });
  function poll() {
    request("GET", api).then(function (r) { if (r.ok) { setOnline(true); sync(r.data); } })
      .catch(function () { setOnline(false); });
  }

  /* ---- saving ---- */
  function showSaveState() {
    var waiting = pending().length;
    $("save-state").textContent = state.offline ? "Offline: " + waiting + " change(s) kept on this computer, sent when the connection returns"
      : waiting ? "Saving…" : "Saved";
  }
  function setOnline(online) { state.offline = !online; showSaveState(); }
  function record(position, answer) {
    journal.push({ key: attemptId + "-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10),
      position: position, answer: answer, client_time: new Date().toISOString(), acked: false });
    saveJournal(); showSaveState(); pump();
  }
  function pump() {
    if (state.sending) { return; }
    var next = pending()[0];
    if (!next) { showSaveState(); return; }
    state.sending = true;
    request("POST", api + "/answers", { position: next.position, answer: next.answer,
      idempotency_key: next.key, client_time: next.client_time })
      .then(function (r) {
        state.sending = false; setOnline(true);
        if (r.ok) { next.acked = true; next.sequence = r.data.sequence; next.saved_at = r.data.saved_at; sync(r.data.status); }
        else if (r.status === 423 || r.status >= 500) { sync(null); saveJournal(); setTimeout(pump, 2000); return; }
        else { next.refused = r.data.message || "not accepted"; warn("An answer was not accepted: " + next.refused); poll(); }
        saveJournal(); pump();
      })
      .catch(function () { state.sending = false; setOnline(false); setTimeout(pump, 2000); });
  }
  window.addEventListener("online", function () { setOnline(true); pump(); });
  window.addEventListener("offline", function () { setOnline(false); });

  /* ---- items ---- */
  function latestLocal(position) {
    for (var i = journal.length - 1; i >= 0; i--) {
      if (journal[i].position === position && !journal[i].refused) { return journal[i]; }
    }
    return null;
  }
  function currentAnswer(item) {
    var local = latestLocal(item.position);
    if (local && (!local.acked || (item.answer_sequence || 0) < local.sequence)) { return local.answer; }
    return item.answer;
  }
  function option(type, name, id, labelText, checked) {
    var wrap = document.createElement("div"), input = document.createElement("input"), label = document.createElement("label");
    wrap.className = "option";
    input.type = type; input.name = name; input.value = id; input.id = name + "-" + id; input.checked = checked;
    label.htmlFor = input.id; label.textContent = id + ". " + labelText;
    wrap.appendChild(input); wrap.appendChild(label);
    return wrap;
  }
  /* Formatted text (paragraphs, line breaks, lists, tables, emphasis, images) from the server's blocks
     (item_bank.items.text): every element made here, every word set as text, never as HTML. */
  function drawSpans(parent, spans) {
    spans.forEach(function (span) {
      var node = span[1] ? document.createElement(span[1]) : document.createTextNode(span[0]);
      if (span[1]) { node.textContent = span[0]; }
      parent.appendChild(node);
    });
  }
  function drawBlocks(container, blocks) {
    blocks.forEach(function (block) {
      var el;
      if (block.kind === "image") {
        el = document.createElement("p");
        var img = document.createElement("img"); img.src = block.src; img.alt = block.alt; img.className = "item-image";
        el.appendChild(img);
      } else if (block.kind === "paragraph") {
        el = document.createElement("p");
        block.lines.forEach(function (line, n) { if (n) { el.appendChild(document.createElement("br")); } drawSpans(el, line); });
      } else if (block.kind === "list") {
        el = document.createElement(block.ordered ? "ol" : "ul");
        block.items.forEach(function (item) { var li = document.createElement("li"); drawSpans(li, item); el.appendChild(li); });
      } else {
        el = document.createElement("table"); el.className = "table";
        [["thead", "th", block.head], ["tbody", "td", block.body]].forEach(function (part) {
          if (!part[2].length) { return; }
          var section = document.createElement(part[0]);
          part[2].forEach(function (cells) {
            var tr = document.createElement("tr");
            cells.forEach(function (cell) { var c = document.createElement(part[1]); drawSpans(c, cell); tr.appendChild(c); });
            section.appendChild(tr);
          });
          el.appendChild(section);
        });
      }
      container.appendChild(el);
    });
  }
  function render(item) {
    stopReading();
    state.item = item;
    var answer = currentAnswer(item), body = $("item-body");
    $("item-heading").textContent = "Question " + item.position + " of " + planned;
    $("progress").textContent = "Question " + item.position + " of " + planned;
    $("item-marks").textContent = item.marks + (item.marks === 1 ? " mark" : " marks");
    $("item-scenario").hidden = !item.scenario;
    $("scenario-title").textContent = item.scenario ? item.scenario.title : "";
    $("scenario-text").textContent = "";
    if (item.scenario) { drawBlocks($("scenario-text"), item.scenario.blocks); }
    $("item-message").textContent = "";
    body.textContent = "";
    var stem = document.createElement("div"); stem.className = "stem"; stem.id = "stem";
    drawBlocks(stem, item.stem_blocks);
    body.appendChild(stem);
    var fieldset = document.createElement("fieldset"), legend = document.createElement("legend");
    fieldset.className = "options"; fieldset.setAttribute("aria-describedby", "stem");
    legend.textContent = item.instruction; fieldset.appendChild(legend);
    var name = "answer-" + item.position;
    if (item.type === "matching") {
      var matched = Array.isArray(answer) ? answer : [], list = document.createElement("ul");
      list.className = "match-options"; list.id = name + "-options";
      item.options.forEach(function (o) {
        var li = document.createElement("li"); li.textContent = o.id + ". " + o.text; list.appendChild(li);
      });
      body.appendChild(list); fieldset.setAttribute("aria-describedby", "stem " + list.id);
      item.premises.forEach(function (p, index) {
        var wrap = document.createElement("div"), select = document.createElement("select"), label = document.createElement("label");
        wrap.className = "option"; select.id = name + "-premise-" + p.id; select.dataset.premise = String(index);
        label.htmlFor = select.id; label.textContent = (index + 1) + ". " + p.text;
        var blank = document.createElement("option"); blank.value = ""; blank.textContent = "Choose an option"; select.appendChild(blank);
        item.options.forEach(function (o) {
          var choice = document.createElement("option"); choice.value = o.id; choice.textContent = o.id + ". " + o.text;
          if (matched[index] === o.id) { choice.selected = true; }
          select.appendChild(choice);
        });
        select.addEventListener("change", changed);
        wrap.appendChild(label); wrap.appendChild(select); fieldset.appendChild(wrap);
      });
    } else if (item.type === "ordering") {
      drawOrdering(item, answer, fieldset, name);
    } else {
      var type = item.type === "single_best_answer" ? "radio" : "checkbox";
      item.options.forEach(function (o) {
        var checked = type === "radio" ? answer === o.id : Array.isArray(answer) && answer.indexOf(o.id) >= 0;
        var el = option(type, name, o.id, o.text, checked);
        el.querySelector("input").addEventListener("change", changed);
        fieldset.appendChild(el);
      });
    }
    body.appendChild(fieldset);
    var flag = $("flag");
    if (flag) { flag.setAttribute("aria-pressed", item.flagged ? "true" : "false");
      flag.textContent = item.flagged ? "Flagged: remove flag" : "Flag for review"; }
    if ($("previous")) { $("previous").disabled = item.position <= 1; }
    if ($("next")) { $("next").disabled = item.position >= planned; }
    if ($("advance")) { $("advance").disabled = item.position >= planned; $("advance").hidden = item.position >= planned; }
  }
  /* Ordering: the statements as a list in the learner's order, moved by "Move up" / "Move down" (keyboard)
     or by dragging; every move is saved. Until the first move the item is unanswered; "Keep this order"
     answers it with the order shown. */
  function drawOrdering(item, answer, fieldset, name) {
    var text = {}, order = Array.isArray(answer) && answer.length === item.options.length ? answer.slice()
      : item.options.map(function (o) { return o.id; });
    item.options.forEach(function (o) { text[o.id] = o.text; });
    var help = document.createElement("p"), list = document.createElement("ol"), keep = document.createElement("button");
    help.id = name + "-order-help"; help.className = "order-help";
    help.textContent = "Use Move up and Move down, or drag a statement, to put them in order. Each change is saved.";
    fieldset.setAttribute("aria-describedby", "stem " + help.id);
    list.className = "order-list"; list.id = name + "-order";
    keep.type = "button"; keep.className = "button button--plain"; keep.id = name + "-keep"; keep.textContent = "Keep this order";
    keep.hidden = Array.isArray(answer);
    function save() { keep.hidden = true; record(item.position, order.slice()); }
    function move(from, to, control) {
      if (to < 0 || to >= order.length) { return; }
      var id = order.splice(from, 1)[0]; order.splice(to, 0, id);
      draw(); save();
      announce("Statement " + id + " is now " + (to + 1) + " of " + order.length + ".");
      var again = list.querySelector('[data-id="' + id + '"] .' + control);
      (again && !again.disabled ? again : list.querySelector('[data-id="' + id + '"] button:not(:disabled)')).focus();
    }
    function draw() {
      list.textContent = "";
      order.forEach(function (id, index) {
        var li = document.createElement("li"), label = document.createElement("span"), up = document.createElement("button"),
          down = document.createElement("button");
        li.className = "order-item"; li.draggable = true; li.dataset.id = id;
        label.className = "order-text"; label.textContent = id + ". " + text[id];
        up.type = down.type = "button"; up.className = "button button--plain button--small move-up";
        down.className = "button button--plain button--small move-down";
        up.textContent = "Move up"; down.textContent = "Move down";
        up.setAttribute("aria-label", "Move " + id + " up"); down.setAttribute("aria-label", "Move " + id + " down");
        up.disabled = index === 0; down.disabled = index === order.length - 1;
        up.addEventListener("click", function () { move(index, index - 1, "move-up"); });
        down.addEventListener("click", function () { move(index, index + 1, "move-down"); });
        li.addEventListener("dragstart", function (event) { event.dataTransfer.setData("text/plain", id); });
        li.addEventListener("dragover", function (event) { event.preventDefault(); });
        li.addEventListener("drop", function (event) {
          event.preventDefault();
          var from = order.indexOf(event.dataTransfer.getData("text/plain"));
          if (from >= 0 && from !== index) { move(from, index, "move-up"); }
        });
        li.appendChild(label); li.appendChild(up); li.appendChild(down); list.appendChild(li);
      });
    }
    keep.addEventListener("click", save);
    draw();
    fieldset.appendChild(help); fieldset.appendChild(list); fieldset.appendChild(keep);
  }
  function changed() {
    var item = state.item, fieldset = $("item-body").querySelector("fieldset"), answer;
    if (item.type === "single_best_answer") {
      var picked = fieldset.querySelector("input:checked"); answer = picked ? picked.value : null;
    } else if (item.type === "multiple_response") {
      answer = Array.prototype.map.call(fieldset.querySelectorAll("input:checked"), function (i) { return i.value; });
      if (answer.length > item.select) { this.checked = false;
        $("item-message").textContent = "Choose only " + item.select + " answers: untick one first."; return; }
      $("item-message").textContent = "";
      if (!answer.length) { answer = null; }
    } else if (item.type === "matching") {
      answer = Array.prototype.map.call(fieldset.querySelectorAll("select"), function (s) { return s.value || null; });
      var taken = answer.filter(function (a) { return a !== null; });
      if (new Set(taken).size !== taken.length) {
        $("item-message").textContent = "Use each option for one statement only: change the other statement first."; return; }
      $("item-message").textContent = "";
      if (!taken.length) { answer = null; }
    }
    record(item.position, answer);
  }
  function showView(name) {
    ["item-view", "review-view", "finish-view"].forEach(function (id) { $(id).hidden = id !== name; });
    $("item-nav").hidden = name === "finish-view";
    $("submit-confirm").hidden = true;
  }
  function show(position) {
    return request("GET", api + "/items/" + position).then(function (r) {
      if (!r.ok) { if (r.data.error === "attempt_ended") { finish(); } else { warn(r.data.message || "Could not load the question."); } return; }
      clearMessages();
      state.position = position; sync(r.data.status); render(r.data.item);
      showView("item-view"); $("item-heading").focus();
    }).catch(function () { setOnline(false); warn("No connection: the question could not be loaded. Try again in a moment."); });
  }

  /* ---- navigation, flags, review, submit ---- */
  on("previous", function () { show(state.position - 1); });
  on("next", function () { show(state.position + 1); });
  on("flag", function () {
    var flagged = !state.item.flagged;
    request("PUT", api + "/items/" + state.position + "/flag", { flagged: flagged }).then(function (r) {
      if (r.ok) { state.item.flagged = flagged; render(state.item); } else { warn(r.data.message); }
    });
  });
  on("to-review", openReview);
  on("back-to-items", function () { show(state.position); });
  on("finish-back", function () { show(state.position); });
  on("advance", function () { $("advance-confirm").hidden = false; $("advance-yes").focus(); });
  on("advance-no", function () { $("advance-confirm").hidden = true; $("advance").focus(); });
  on("advance-yes", function () {
    $("advance-confirm").hidden = true;
    waitForSaves().then(function () { return request("POST", api + "/next", { after: state.position }); }).then(function (r) {
      if (r.ok) { show(r.data.position); return; }
      if (r.data.error === "no_more_items") { planned = state.position; render(state.item); openFinish(); }
      warn(r.data.message);
    });
  });
  function openReview() {
    request("GET", api + "/review").then(function (r) {
      if (!r.ok) { warn(r.data.message); return; }
      clearMessages();
      var rows = $("review-rows"), unanswered = 0, flagged = 0; rows.textContent = "";
      r.data.review.forEach(function (entry) {
        var tr = document.createElement("tr"), cell = document.createElement("td"), go = document.createElement("button");
        go.type = "button"; go.className = "button button--plain"; go.textContent = "Question " + entry.position;
        go.addEventListener("click", function () { show(entry.position); });
        cell.appendChild(go); tr.appendChild(cell);
        var answered = document.createElement("td"); answered.textContent = entry.answered ? "Answered" : "Not answered";
        var flag = document.createElement("td"); flag.textContent = entry.flagged ? "Flagged" : "–";
        tr.appendChild(answered); tr.appendChild(flag); rows.appendChild(tr);
        if (!entry.answered) { unanswered++; } if (entry.flagged) { flagged++; }
      });
      $("review-summary").textContent = unanswered + " not answered, " + flagged + " flagged.";
      showView("review-view"); $("review-heading").focus();
    });
  }
  function waitForSaves() {
    return new Promise(function (resolve) {
      (function check() { if (!pending().length) { resolve(); } else { pump(); setTimeout(check, 300); } })();
    });
  }
  /* Finishing is its own step: a screen that says what is unanswered (and, in an adaptive test, not
     reached), then a confirmation. */
  function openFinish() {
    return request("GET", api + "/review").then(function (r) {
      var unanswered = r.ok ? r.data.review.filter(function (e) { return !e.answered; }).length : 0;
      var notGiven = planned - (r.ok ? r.data.review.length : 0);
      $("finish-summary").textContent = (mode === "cat" && notGiven > 0 ? notGiven + " question(s) not reached. " : "")
        + (unanswered ? unanswered + " question(s) not answered." : "Every question given is answered.");
      clearMessages(); showView("finish-view"); $("finish-heading").focus();
    });
  }
  on("finish", openFinish);
  on("submit", function () { $("submit-confirm").hidden = false; $("submit-yes").focus(); });
  on("submit-no", function () { $("submit-confirm").hidden = true; $("submit").focus(); });
  on("submit-yes", function () {
    $("submit-yes").disabled = true;
    waitForSaves().then(function () { return request("POST", api + "/submit"); }).then(function (r) {
      if (r.ok) { finish(); } else { $("submit-yes").disabled = false; warn(r.data.message); }
    });
  });
  /* Read aloud (a reader arrangement): the question, its instruction and each option, by the browser's own
     speech synthesis (nothing leaves the computer); pressing again stops it, as does moving on. */
  function spokenText(item) {
    var parts = ["Question " + item.position + ", " + item.marks + (item.marks === 1 ? " mark." : " marks.")];
    if (item.scenario) { parts.push(item.scenario.title + ". " + $("scenario-text").textContent); }
    parts.push($("stem").textContent, item.instruction);
    if (item.type === "matching") { item.premises.forEach(function (p, n) { parts.push("Statement " + (n + 1) + ". " + p.text); }); }
    item.options.forEach(function (o) { parts.push("Option " + o.id + ". " + o.text); });
    return parts.join(" ");
  }
  function stopReading() {
    if (window.speechSynthesis) { window.speechSynthesis.cancel(); }
    if ($("read-aloud")) { $("read-aloud").setAttribute("aria-pressed", "false"); $("read-aloud").textContent = "Read aloud"; }
  }
  on("read-aloud", function () {
    if (!window.speechSynthesis) { warn("This computer cannot read aloud: ask your invigilator."); return; }
    if ($("read-aloud").getAttribute("aria-pressed") === "true") { stopReading(); return; }
    var utterance = new SpeechSynthesisUtterance(spokenText(state.item));
    utterance.lang = "en-GB";
    utterance.onend = stopReading;
    $("read-aloud").setAttribute("aria-pressed", "true"); $("read-aloud").textContent = "Stop reading";
    window.speechSynthesis.speak(utterance);
  });
  /* Help is a small dialog: the message box empties once the invigilator has it. */
  on("help-open", function () { $("alert-state").textContent = ""; $("help-dialog").showModal(); $("alert-message").focus(); });
  on("help-close", function () { $("help-dialog").close(); });
  $("help-dialog").addEventListener("close", function () { $("help-open").focus(); });
  on("alert", function () {
    request("POST", api + "/alerts", { position: state.position, message: $("alert-message").value }).then(function (r) {
      if (r.ok) { $("alert-message").value = ""; }
      $("alert-state").textContent = r.ok ? r.data.message : (r.data.message || "The alert could not be sent; raise your hand.");
    }).catch(function () { $("alert-state").textContent = "No connection: raise your hand."; });
  });
  var controls = $("display-controls");
  function chooseDisplay() {
    var body = { colour_scheme: $("colour-scheme").value, font_size: parseInt($("font-size").value, 10) };
    request("PUT", controls.dataset.url, body).then(function (r) {
      if (!r.ok) { warn(r.data.message); return; }
      document.body.className = document.body.className.replace(/\b(scheme|text)-[\w-]+/g, "").trim()
        + " scheme-" + r.data.colour_scheme + " text-" + r.data.font_size;
    });
  }
  $("colour-scheme").addEventListener("change", chooseDisplay);
  $("font-size").addEventListener("change", chooseDisplay);
  controls.addEventListener("submit", function (event) { event.preventDefault(); });

  function finish() {
    if (!state.open) { return; }
    state.open = false;
    waitForSaves().then(function () { window.location.assign(root.dataset.finished); });
    setTimeout(function () { window.location.assign(root.dataset.finished); }, 3000);
  }

  /* ---- start or resume ---- */
  request("GET", api).then(function (r) {
    if (!r.ok) { warn(r.data.message || "Could not load your test."); return; }
    sync(r.data);
    pump();
    show(mode === "cat" ? r.data.items_given : 1);
  }).catch(function () { setOnline(false); });
  setInterval(tick, 500);
  setInterval(poll, pollMs);
  setInterval(pump, 5000);
}());
