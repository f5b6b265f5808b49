// The report form: show only the fields the chosen source uses (a programme for an
// inspection, the coroner's reply for a coroner's report, section 55 for HMICFRS). The
// server checks the same rules; a field with a value or an error stays visible, so
// nothing typed is hidden from the person who typed it.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("id_source");
  if (!source) {
    return;
  }
  const parts = document.querySelectorAll("[data-for-sources]");
  const keep = (part) => {
    const field = part.querySelector("input, select, textarea");
    return part.querySelector(".is-invalid") || (field && field.value);
  };
  const show = () => {
    parts.forEach((part) => {
      const applies = part.dataset.forSources.split(" ").includes(source.value);
      part.hidden = !applies && !keep(part);
    });
  };
  source.addEventListener("change", show);
  show();
});
