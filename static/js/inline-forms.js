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

// What was typed into an inline form sent after the session had ended is kept, not lost:
// the server then sends the browser to sign in (HX-Redirect, from
// oversight.accounts.middleware.SignInAgainFromHtmx), and the fields are put back, with a
// note, the next time the same form opens in this tab. The CSRF token is the new
// session's; the form's version token is the one it was opened with, so a change someone
// else saved meanwhile is refused as a conflict rather than overwritten.
const UNSENT = "oversight:unsent:";

document.addEventListener("htmx:beforeOnLoad", (event) => {
  const form = event.detail.elt;
  const redirect = event.detail.xhr.getResponseHeader("HX-Redirect");
  if (!redirect || !form || form.tagName !== "FORM" || !form.closest(".inline-form")) {
    return;
  }
  const kept = [];
  for (const [name, value] of new FormData(form)) {
    if (name !== "csrfmiddlewaretoken" && typeof value === "string") {
      kept.push([name, value]);
    }
  }
  sessionStorage.setItem(UNSENT + form.getAttribute("action"), JSON.stringify(kept));
});

function restoreUnsent(form) {
  const key = UNSENT + form.getAttribute("action");
  const kept = sessionStorage.getItem(key);
  if (kept === null) {
    return;
  }
  sessionStorage.removeItem(key);
  const values = new Map();
  for (const [name, value] of JSON.parse(kept)) {
    values.set(name, [...(values.get(name) || []), value]);
  }
  for (const field of form.elements) {
    const wanted = values.get(field.name);
    if (!wanted || field.name === "csrfmiddlewaretoken" || field.type === "file") {
      continue;
    }
    if (field.type === "checkbox" || field.type === "radio") {
      field.checked = wanted.includes(field.value);
    } else if (field.multiple) {
      for (const option of field.options) {
        option.selected = wanted.includes(option.value);
      }
    } else {
      field.value = wanted[0];
    }
  }
  const note = document.createElement("p");
  note.className = "alert alert-info py-2 small";
  note.setAttribute("role", "status");
  note.textContent = form.dataset.unsentNote;
  form.prepend(note);
}

// A form that has just opened inline: bring it into view and put the cursor in its first
// field.
document.addEventListener("htmx:load", (event) => {
  const form = event.detail.elt;
  if (!form.classList || !form.classList.contains("inline-form")) {
    return;
  }
  const inner = form.querySelector("form[action][data-unsent-note]");
  if (inner) {
    restoreUnsent(inner);
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
