// The register's bulk update: "select all on this page" ticks every row, a row's box
// keeps the "all" box in step, the panel says how many are ticked, and only the fields of
// the chosen change are shown, in the register's panel and on the next page. Without this
// script the form still works: the server reads the "all" box itself and ignores the
// fields of the other changes, and the panel's button asks for the change on the next
// page.
document.addEventListener("DOMContentLoaded", () => {
  const all = document.querySelector("[data-bulk-all]");
  const rows = Array.from(document.querySelectorAll('input[name="bulk-selected"]'));
  const count = document.querySelector("[data-bulk-count]");
  const panel = document.querySelector("[data-bulk-panel]");
  if (!panel) {
    return;
  }

  // The fields arrive in the register's panel when it is first opened (htmx); the next
  // page has them from the start. Only those of the chosen change are shown, none until
  // one is chosen (the note always).
  const showChosen = () => {
    const chosen = panel.querySelector('input[type="radio"][name="bulk-change"]:checked');
    panel.querySelectorAll("[data-bulk-for]").forEach((section) => {
      section.hidden = !chosen || section.dataset.bulkFor !== chosen.value;
    });
  };
  panel.addEventListener("change", (event) => {
    if (event.target.name === "bulk-change") {
      showChosen();
    }
  });
  panel.addEventListener("htmx:afterSwap", showChosen);
  showChosen();
  if (!all) {
    return; // the next page: no "select all"
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
  update();
});
