"""What a page says in its own words, apart from the data it shows: the header, the navigation, the
breadcrumbs' trail, headings of tables and filters, labels, buttons, help and error texts.

``CHROME_TEXT_JS`` returns those texts (one per text node) for a Playwright ``page.evaluate``; data
inside them is left out: the signed-in person's name, the language switch (each language under its
own name), the options of a select (services, providers), a list's rows, and the last step of the
breadcrumbs (the object's own name).
"""

CHROME = [
    "#header", "#nav-sidebar", ".breadcrumbs", "thead th", "table.case-facts th", "#case-facts th",
    "#desk-shortcuts th", "label", "button", ".submit-row", "#changelist-filter h2", "#changelist-filter h3",
    ".object-tools", ".paginator", "caption", ".filters", ".queue-tabs", ".queue-views", ".case-action h3",
    ".card .label", ".errornote", ".errorlist", ".help", ".empty", "#inbox-tabs", ".shortcut-legend",
    ".module h2", ".case-card h2", "#content-main > p", ".desk-error",
]  # fmt: skip
DATA = [
    "#user-tools strong", "#desk-language", "select", "option", "#result_list tbody", ".breadcrumbs .desk-object",
    "input", "textarea",
    # The catalogue's own fee types of a subsidy (entitlements/data/catalog.yaml), offered as tick boxes.
    "#id_claim_fee_kinds",
]  # fmt: skip

CHROME_TEXT_JS = """() => {
  const chrome = CHROME, data = DATA;
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const parent = node.parentElement;
    if (!text || !parent || !parent.closest(chrome) || parent.closest(data)) continue;
    if (parent.closest('.breadcrumbs') && !node.nextSibling && parent.classList.contains('breadcrumbs')) {
      // The trail's last step after its last separator names the object itself (data).
      const steps = text.split('\u203a');
      if (steps.length > 1) texts.push(steps.slice(0, -1).join('\u203a'));
      continue;
    }
    texts.push(text);
  }
  return texts;
}""".replace("CHROME", repr(", ".join(CHROME))).replace("DATA", repr(", ".join(DATA)))
