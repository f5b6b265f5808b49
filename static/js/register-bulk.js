// The register's bulk update: "select all on this page" ticks every row, a row's box
// keeps the "all" box in step, the panel says how many are ticked, and only the fields of
// the chosen change are shown. Without this script the form still works: the server reads
// the "all" box itself and ignores the fields of the other changes.
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

  const sections = Array.from(panel.querySelectorAll("[data-bulk-for]"));
  const choices = Array.from(panel.querySelectorAll('input[type="radio"][name="bulk-change"]'));
  const showChosen = () => {
    const chosen = choices.find((radio) => radio.checked);
    sections.forEach((section) => {
      section.hidden = Boolean(chosen) && section.dataset.bulkFor !== chosen.value;
    });
  };
  choices.forEach((radio) => radio.addEventListener("change", showChosen));
  update();
  showChosen();
});
