/* metriclang docs: the SQL dialect switcher and client-side search. Plain JS, works from file://. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function remember(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* storage may be off */ }
  }
  function recall(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }

  function showDialect(switcher, dialect) {
    var buttons = switcher.querySelectorAll("button[data-dialect]");
    var known = false;
    buttons.forEach(function (b) { if (b.dataset.dialect === dialect) { known = true; } });
    if (!known && buttons.length) { dialect = buttons[0].dataset.dialect; }
    buttons.forEach(function (b) {
      b.setAttribute("aria-selected", b.dataset.dialect === dialect ? "true" : "false");
    });
    switcher.querySelectorAll("[data-dialect-panel]").forEach(function (p) {
      p.hidden = p.dataset.dialectPanel !== dialect;
    });
  }

  document.querySelectorAll(".sql-switcher").forEach(function (switcher) {
    showDialect(switcher, recall("osm-dialect"));
    switcher.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-dialect]");
      if (!button) { return; }
      remember("osm-dialect", button.dataset.dialect);
      showDialect(switcher, button.dataset.dialect);
    });
  });

  var data = document.getElementById("search-index");
  var input = document.getElementById("q");
  var list = document.getElementById("results");
  if (!data || !input || !list) { return; }
  var entries = JSON.parse(data.textContent);
  var empty = document.getElementById("no-results");

  function score(entry, query) {
    var name = entry.name.toLowerCase(), label = entry.label.toLowerCase();
    if (name === query || label === query) { return 0; }
    if (name.indexOf(query) === 0 || label.indexOf(query) === 0) { return 1; }
    if (name.indexOf(query) >= 0 || label.indexOf(query) >= 0) { return 2; }
    return -1;
  }

  function run() {
    var query = input.value.trim().toLowerCase();
    list.textContent = "";
    if (!query) { empty.hidden = true; return; }
    var hits = [];
    entries.forEach(function (e, i) {
      var s = score(e, query);
      if (s >= 0) { hits.push([s, i, e]); }
    });
    hits.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
    hits.slice(0, 100).forEach(function (hit) {
      var e = hit[2];
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = e.href;
      a.textContent = e.label ? e.label + " (" + e.name + ")" : e.name;
      var type = document.createElement("span");
      type.className = "type";
      type.textContent = e.type;
      li.appendChild(a);
      li.appendChild(type);
      list.appendChild(li);
    });
    empty.hidden = hits.length > 0;
  }

  input.addEventListener("input", run);
  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) { input.value = initial; }
  run();
})();
