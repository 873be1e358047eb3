// Small behaviours of the portal's pages, kept out of inline handlers so the content security
// policy can forbid inline script.
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-autosubmit]")) event.target.form.submit();
});
document.addEventListener("click", (event) => {
  const box = event.target;
  if (!box.matches("[data-select-all]")) return;
  document.querySelectorAll(box.dataset.selectAll).forEach((item) => { item.checked = box.checked; });
});
// An irreversible case action asks its question first (the workflow table's confirmation text);
// a sent form is not sent again — a double click, or Enter pressed twice, sends it once — and its
// buttons (<button> and <input type=submit> alike) are disabled once the sent one's value is taken.
const SUBMITS = "button[type=submit], input[type=submit]";
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.dataset.sent) {
    event.preventDefault();
    return;
  }
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    return;
  }
  form.dataset.sent = "1";
  form.querySelectorAll(SUBMITS).forEach((button) => {
    window.setTimeout(() => { button.disabled = true; }, 0);
  });
});
// Back to a page the browser kept (back/forward cache): its forms can be sent again.
window.addEventListener("pageshow", (event) => {
  if (!event.persisted) return;
  document.querySelectorAll("form[data-sent]").forEach((form) => {
    delete form.dataset.sent;
    form.querySelectorAll(SUBMITS).forEach((button) => { button.disabled = false; });
  });
});
document.addEventListener("click", (event) => {
  if (event.target.matches("[data-print]")) window.print();
});
