/* ME/CFS Atlas preview: copy buttons and the study filters. Plain script, no framework,
   no requests: the study index is JSON inside the page. */
(function () {
  "use strict";

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.top = "-100px";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }

  function selectText(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var block = document.getElementById(button.getAttribute("data-copy"));
      var status = button.parentNode.querySelector(".copy-status");
      var text = block.textContent;
      copyText(text).then(function () {
        button.setAttribute("data-copied", "true");
        if (status) { status.textContent = "Copied"; }
      }, function () {
        selectText(block);
        if (status) { status.textContent = "Press Ctrl+C (or \u2318C) to copy the selected text"; }
      });
    });
  });

  var form = document.getElementById("study-filters");
  var data = document.getElementById("study-index");
  if (!form || !data) { return; }
  var rows = JSON.parse(data.textContent);
  var items = {};
  document.querySelectorAll("#study-list > li").forEach(function (li) { items[li.id.slice(6)] = li; });
  var count = document.getElementById("study-count");
  var fields = {
    q: document.getElementById("filter-q"),
    pem: document.getElementById("filter-pem"),
    topic: document.getElementById("filter-topic"),
    design: document.getElementById("filter-design"),
    year: document.getElementById("filter-year")
  };

  // Letters with no accent mark to strip, as the build folds them (O-slash: o, sharp s: ss).
  // (\u escapes: the script stays ASCII whatever encoding it is read with)
  var PLAIN = { "\u00f8": "o", "\u00e6": "ae", "\u0153": "oe", "\u00df": "ss", "\u0142": "l", "\u0111": "d",
    "\u00f0": "d", "\u00fe": "th", "\u0131": "i" };

  function fold(value) {
    return value.toLowerCase().replace(/[\u00f8\u00e6\u0153\u00df\u0142\u0111\u00f0\u00fe\u0131]/g, function (c) { return PLAIN[c]; })
      .normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  function apply() {
    var words = fold(fields.q.value).split(/\s+/).filter(Boolean);
    var pem = fields.pem.value, topic = fields.topic.value, design = fields.design.value;
    var year = fields.year.value ? Number(fields.year.value) : 0;
    var shown = 0;
    rows.forEach(function (row) {
      // row: [slug, pem badge, design, year, [topics], folded title and authors]
      var match = (!pem || row[1] === pem) && (!design || row[2] === design) &&
        (!year || row[3] === year) && (!topic || row[4].indexOf(topic) !== -1) &&
        words.every(function (w) { return row[5].indexOf(w) !== -1; });
      var li = items[row[0]];
      if (li) { li.hidden = !match; }
      if (match) { shown += 1; }
    });
    count.textContent = shown === rows.length
      ? rows.length + (rows.length === 1 ? " study" : " studies") + " shown."
      : shown + " of " + rows.length + " studies match.";
  }

  form.hidden = false;
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
  form.addEventListener("reset", function (event) {
    event.preventDefault();
    Object.keys(fields).forEach(function (name) { fields[name].value = ""; });
    apply();
  });
  apply();
}());
