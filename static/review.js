// The review workspace's keyboard: J/K next/previous document, A approve, R return, X reject,
// N next case. Keys typed into a field are the reviewer's text, never a shortcut.
(function () {
  "use strict";
  function typing(target) {
    var tag = (target && target.tagName) || "";
    return target && (target.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT");
  }
  function showDocument(step) {
    var tabs = Array.prototype.slice.call(document.querySelectorAll("#document-viewer [data-doc]"));
    if (!tabs.length) return;
    var current = tabs.findIndex(function (t) { return t.getAttribute("aria-selected") === "true"; });
    select(tabs, (current + step + tabs.length) % tabs.length);
  }
  function select(tabs, index) {
    tabs.forEach(function (tab, i) { tab.setAttribute("aria-selected", i === index ? "true" : "false"); });
    document.querySelectorAll("#document-viewer [data-doc-panel]").forEach(function (panel) {
      panel.hidden = panel.getAttribute("data-doc-panel") !== String(index);
    });
  }
  function focusAction(name) {
    var form = document.getElementById("action-" + name);
    if (!form) return;
    document.querySelectorAll(".case-action.focused").forEach(function (f) { f.classList.remove("focused"); });
    form.classList.add("focused");
    form.scrollIntoView({ block: "nearest" });
    var field = form.querySelector("textarea, select, button[type=submit]");
    if (field) field.focus();
  }
  var keys = {
    j: function () { showDocument(1); },
    k: function () { showDocument(-1); },
    a: function () { focusAction("approve") || focusAction("claim_approve"); },
    r: function () { focusAction("return_to_applicant"); },
    x: function () { focusAction("reject"); },
    n: function () { var next = document.getElementById("next-case"); if (next) window.location = next.href; },
  };
  document.addEventListener("DOMContentLoaded", function () {
    var tabs = Array.prototype.slice.call(document.querySelectorAll("#document-viewer [data-doc]"));
    tabs.forEach(function (tab, i) { tab.addEventListener("click", function () { select(tabs, i); }); });
  });
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var handler = keys[(event.key || "").toLowerCase()];
    if (handler) { event.preventDefault(); handler(); }
  });
})();
