// Inline forms on the report page (htmx). A form the server refuses comes back with
// status 400 (invalid) or 409 (someone else saved first) and the errors next to the
// fields: swap it in like a success instead of treating it as a failed request.
document.addEventListener("htmx:beforeSwap", (event) => {
  const status = event.detail.xhr.status;
  if (status === 400 || status === 409) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// A form that has just opened inline: bring it into view and put the cursor in its first
// field.
document.addEventListener("htmx:load", (event) => {
  const form = event.detail.elt;
  if (!form.classList || !form.classList.contains("inline-form")) {
    return;
  }
  if (form.querySelector(".is-invalid")) {
    form.scrollIntoView({ block: "nearest" });
    return; // a11y.js puts the focus on the list of problems
  }
  const field = form.querySelector("input:not([type=hidden]), textarea, select");
  form.scrollIntoView({ block: "nearest" });
  if (field) {
    field.focus();
  }
});
