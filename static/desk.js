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
