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
// a sent form's buttons are disabled so a double click does not send it twice.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    return;
  }
  form.querySelectorAll("button[type=submit]").forEach((button) => {
    window.setTimeout(() => { button.disabled = true; }, 0);
  });
});
document.addEventListener("click", (event) => {
  if (event.target.matches("[data-print]")) window.print();
});
