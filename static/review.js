// The review workspace's keyboard: J/K next/previous document, A approve, R return, X reject,
// N next case. A decision's key puts the cursor in its form (its reason when it has one, else its
// button) and Enter sends it (Shift+Enter: a new line in a text box; Esc leaves the form). Keys
// typed into a field are the reviewer's text, never a shortcut; Enter that ends a Chinese input
// method's composition is the input method's.
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
  function unfocus() {
    document.querySelectorAll(".case-action.focused").forEach(function (f) { f.classList.remove("focused"); });
    document.querySelectorAll(".case-action .kbd-hint").forEach(function (h) { h.remove(); });
  }
  function focusAction(name) {
    var form = document.getElementById("action-" + name);
    if (!form) return false;
    unfocus();
    form.classList.add("focused");
    var title = form.querySelector(".action-title");
    if (title && !title.querySelector(".kbd-hint")) {
      var hint = document.createElement("span");
      hint.className = "kbd-hint";
      hint.textContent = "回车提交 · Esc 退出";
      title.appendChild(hint);
    }
    form.scrollIntoView({ block: "nearest" });
    var field =
      form.querySelector("select, textarea, input:not([type=hidden]):not([type=checkbox]):not([type=file])") ||
      form.querySelector("button[type=submit]");
    if (field) field.focus();
    return true;
  }
  function decisionForm(target) {
    var form = target && target.closest && target.closest("#case-actions form.case-action");
    return form || null;
  }
  // Enter in a decision's field sends the decision (the form asks its confirmation first).
  function enterSubmits(event) {
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) return false;
    var form = decisionForm(event.target);
    var tag = (event.target.tagName || "").toUpperCase();
    if (!form || (tag !== "TEXTAREA" && tag !== "SELECT" && tag !== "INPUT")) return false;
    event.preventDefault();
    form.requestSubmit();
    return true;
  }
  var keys = {
    j: function () { showDocument(1); },
    k: function () { showDocument(-1); },
    a: function () { return focusAction("approve") || focusAction("claim_approve"); },
    r: function () { focusAction("return_to_applicant"); },
    x: function () { focusAction("reject"); },
    n: function () { var next = document.getElementById("next-case"); if (next) window.location = next.href; },
  };
  document.addEventListener("DOMContentLoaded", function () {
    var tabs = Array.prototype.slice.call(document.querySelectorAll("#document-viewer [data-doc]"));
    tabs.forEach(function (tab, i) { tab.addEventListener("click", function () { select(tabs, i); }); });
    // Each decision's button names its key to assistive technology.
    [["approve", "A"], ["claim_approve", "A"], ["return_to_applicant", "R"], ["reject", "X"]].forEach(function (pair) {
      var button = document.querySelector("#action-" + pair[0] + " button[type=submit]");
      if (button) button.setAttribute("aria-keyshortcuts", pair[1]);
    });
  });
  document.addEventListener("keydown", function (event) {
    if (enterSubmits(event)) return;
    if (event.key === "Escape" && decisionForm(event.target)) { event.target.blur(); unfocus(); return; }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var handler = keys[(event.key || "").toLowerCase()];
    if (handler) { event.preventDefault(); handler(); }
  });
})();
