(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("ikesim-data").textContent);
  var cursor = document.getElementById("cursor");
  var cursorText = document.getElementById("cursor-time");
  var cursorLine = document.getElementById("cursor-line");
  var blocks = Array.prototype.slice.call(document.querySelectorAll("#console .block"));
  var arrows = Array.prototype.slice.call(document.querySelectorAll("#ladder .msg"));
  var items = Array.prototype.slice.call(document.querySelectorAll("#packet-list li"));
  var x0 = Number(cursorLine.getAttribute("data-x0")), w = Number(cursorLine.getAttribute("data-w"));

  function setCursor(t) {
    cursor.value = t;
    cursorText.textContent = Number(t).toFixed(3) + " s";
    var current = null;
    blocks.forEach(function (b) {
      var future = Number(b.getAttribute("data-time")) > t + 1e-9;
      b.classList.toggle("future", future);
      b.classList.remove("current");
      if (!future) { current = b; }
    });
    if (current) {
      current.classList.add("current");
      var pane = document.getElementById("console");
      pane.scrollTop = current.offsetTop - pane.offsetTop - pane.clientHeight / 2;
    }
    arrows.forEach(function (a) {
      a.classList.toggle("future", Number(a.getAttribute("data-time")) > t + 1e-9);
    });
    var x = x0 + (data.end ? t / data.end : 0) * w;
    cursorLine.setAttribute("x1", x);
    cursorLine.setAttribute("x2", x);
  }

  function select(index) {
    document.querySelectorAll(".pkt.shown").forEach(function (p) { p.classList.remove("shown"); });
    var panel = document.getElementById("pkt-" + index);
    if (panel) { panel.classList.add("shown"); }
    arrows.forEach(function (a) { a.classList.toggle("selected", Number(a.getAttribute("data-index")) === index); });
    items.forEach(function (li) { li.classList.toggle("selected", Number(li.getAttribute("data-index")) === index); });
    var packet = data.packets[index];
    if (packet) { setCursor(packet.time); }
  }

  arrows.forEach(function (a) {
    a.addEventListener("click", function () { select(Number(a.getAttribute("data-index"))); });
    a.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") { select(Number(a.getAttribute("data-index"))); }
    });
  });
  items.forEach(function (li) {
    li.addEventListener("click", function () { select(Number(li.getAttribute("data-index"))); });
  });
  cursor.addEventListener("input", function () { setCursor(Number(cursor.value)); });
  setCursor(data.end);
}());
