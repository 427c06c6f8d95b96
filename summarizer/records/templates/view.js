// Our own script, inlined into every page (no network). Each .view holds an article's text,
// its fields and a JSON block (.view-data) saying which field each span supports. Text shown
// from the data is set with textContent, never as markup.
(function () {
  "use strict";

  function idsOf(mark) {
    return (mark.getAttribute("data-spans") || "").split(" ").filter(Boolean);
  }

  function setUp(view) {
    var block = view.querySelector("script.view-data");
    if (!block) { return; }
    var data = JSON.parse(block.textContent);
    var marks = Array.prototype.slice.call(view.querySelectorAll("mark.span"));
    var items = Array.prototype.slice.call(view.querySelectorAll("[data-field]"));
    var info = view.querySelector(".span-info");

    function clear() {
      marks.forEach(function (m) { m.classList.remove("selected", "pointed"); });
      items.forEach(function (i) { i.classList.remove("selected", "supported"); });
    }

    function selectField(path) {
      clear();
      var entry = data.fields[path];
      var wanted = entry ? entry.spans : [];
      var first = null;
      marks.forEach(function (m) {
        if (idsOf(m).some(function (id) { return wanted.indexOf(id) >= 0; })) {
          m.classList.add("selected");
          if (!first) { first = m; }
        }
      });
      items.forEach(function (i) {
        if (i.getAttribute("data-field") === path) { i.classList.add("selected"); }
      });
      if (first) { first.scrollIntoView({ block: "center" }); }
    }

    function showSupported(mark) {
      clear();
      var fields = [];
      idsOf(mark).forEach(function (id) {
        var span = data.spans[id];
        if (span && fields.indexOf(span.field) < 0) { fields.push(span.field); }
      });
      var ids = {};
      fields.forEach(function (f) { (data.fields[f] || { spans: [] }).spans.forEach(function (s) { ids[s] = true; }); });
      marks.forEach(function (m) {
        if (idsOf(m).some(function (id) { return ids[id]; })) { m.classList.add("pointed"); }
      });
      items.forEach(function (i) {
        if (fields.indexOf(i.getAttribute("data-field")) >= 0) { i.classList.add("supported"); }
      });
      if (!info) { return; }
      var list = info.querySelector(".span-info-fields");
      list.textContent = "";
      fields.forEach(function (f) {
        var li = document.createElement("li");
        li.textContent = data.fields[f] ? data.fields[f].label : f;
        li.setAttribute("data-supports", f);
        list.appendChild(li);
      });
      info.hidden = false;
    }

    items.forEach(function (i) {
      var go = function () { selectField(i.getAttribute("data-field")); };
      i.addEventListener("click", go);
      i.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); go(); } });
    });
    marks.forEach(function (m) {
      m.addEventListener("click", function (e) { e.stopPropagation(); showSupported(m); });
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll(".view"), setUp);
})();
