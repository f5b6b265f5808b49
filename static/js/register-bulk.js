// The register's bulk update: "select all on this page" ticks every row, a row's box
// keeps the "all" box in step, the panel says how many are ticked, and only the fields of
// the chosen change are shown. Without this script the form still works: the server reads
// the "all" box itself and ignores the fields of the other changes, and the panel's button
// asks for the change on the next page.
document.addEventListener("DOMContentLoaded", () => {
  const all = document.querySelector("[data-bulk-all]");
  const rows = Array.from(document.querySelectorAll('input[name="bulk-selected"]'));
  const count = document.querySelector("[data-bulk-count]");
  const panel = document.querySelector("[data-bulk-panel]");
  if (!all || !panel) {
    return;
  }

  const update = () => {
    const ticked = rows.filter((box) => box.checked).length;
    all.checked = ticked > 0 && ticked === rows.length;
    all.indeterminate = ticked > 0 && ticked < rows.length;
    // The words come from the page (data-selected-text, "%s" standing for the number).
    const words = count.dataset.selectedText || "(%s selected)";
    count.textContent = ticked ? words.replace("%s", ticked) : "";
  };
  all.addEventListener("change", () => {
    rows.forEach((box) => {
      box.checked = all.checked;
    });
    update();
    if (all.checked) {
      panel.open = true;
    }
  });
  rows.forEach((box) =>
    box.addEventListener("change", () => {
      update();
      if (box.checked) {
        panel.open = true;
      }
    }),
  );

  // The fields arrive when the panel is first opened (htmx): show only those of the
  // chosen change, then and whenever another is chosen.
  const showChosen = () => {
    const chosen = panel.querySelector('input[type="radio"][name="bulk-change"]:checked');
    panel.querySelectorAll("[data-bulk-for]").forEach((section) => {
      section.hidden = Boolean(chosen) && section.dataset.bulkFor !== chosen.value;
    });
  };
  panel.addEventListener("change", (event) => {
    if (event.target.name === "bulk-change") {
      showChosen();
    }
  });
  panel.addEventListener("htmx:afterSwap", showChosen);
  update();
  showChosen();
});
