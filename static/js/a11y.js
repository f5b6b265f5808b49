// Accessibility helpers for every page. No inline scripts: the CSP forbids them.
//
// 1. Error summary. A form the server sent back with errors gets a summary at its top: one
//    link per problem, each leading to its field. The summary takes the focus, so a screen
//    reader reads the problems out and a keyboard user starts from the list. Works on page
//    load and on forms htmx swaps in. The server's own message ("Nothing was saved ...")
//    stays: the summary adds the list to it, or is created when the page has none.
// 2. Focus after an htmx swap. When htmx replaces the part of the page that held the focus
//    (a saved inline form, a boosted link) and nothing else has taken it, the focus goes to
//    the new content's first heading instead of falling back to the top of the page.
// 3. Announcements. A status htmx replaces whole (the letter's PDF state, polled every
//    second) is not read out reliably, and a live region around it would repeat itself at
//    every poll. The text of swapped-in [data-announce] elements goes to one polite live
//    region that stays on the page, and only when it has changed.
(() => {
  const INVALID = "[aria-invalid='true'], .is-invalid";
  // The words come from the page (base.html's data-text-*), in the page's language.
  const words = (name, fallback) => document.body?.dataset[name] || fallback;
  const CONTROLS = "input:not([type=hidden]), select, textarea";

  const text = (element) => {
    if (!element) return "";
    const copy = element.cloneNode(true);
    copy.querySelectorAll(".asteriskField, [aria-hidden='true']").forEach((node) => node.remove());
    return copy.textContent.replace(/\s+/g, " ").trim();
  };

  const wrapperOf = (control) =>
    control.closest("fieldset") || control.closest("[id^='div_']") || control.parentElement;

  const labelOf = (control) => {
    if (control.type === "checkbox" || control.type === "radio") {
      const legend = control.closest("fieldset")?.querySelector("legend");
      if (legend) return text(legend);
    }
    const label = control.id && document.querySelector(`label[for="${CSS.escape(control.id)}"]`);
    return text(label) || control.getAttribute("aria-label") || control.name;
  };

  const messageOf = (control) => {
    const described = (control.getAttribute("aria-describedby") || "")
      .split(/\s+/)
      .map((id) => id && document.getElementById(id))
      .filter((element) => element && element.matches(".invalid-feedback, .errorlist"));
    if (described.length) return described.map(text).join(" ");
    const field = control.closest("[id^='div_']") || wrapperOf(control);
    const nearby = field?.querySelector(".invalid-feedback, .errorlist");
    return text(nearby) || words("textCheckAnswer", "Check this answer.");
  };

  // One entry per field: a group of checkboxes or radios is one question.
  const problems = (form) => {
    const seen = new Set();
    const found = [];
    form.querySelectorAll(INVALID).forEach((element) => {
      const control = element.matches(CONTROLS) ? element : element.querySelector(CONTROLS);
      if (!control || !control.id || control.closest("[hidden]")) return;
      const key = control.name || control.id;
      if (seen.has(key)) return;
      seen.add(key);
      found.push({ control, label: labelOf(control), message: messageOf(control) });
    });
    return found;
  };

  // The server's "nothing was saved" message inside the form (templates' _form_errors.html).
  const existingAlert = (form) => form.querySelector(".alert-danger[role=alert]");

  const summarise = (form) => {
    if (form.dataset.errorSummary) return null;
    const found = problems(form);
    if (!found.length) {
      // Errors that belong to no single field (someone else saved first) are still read out.
      const alert = existingAlert(form);
      if (!alert) return null;
      form.dataset.errorSummary = "done";
      alert.tabIndex = -1;
      return alert;
    }
    form.dataset.errorSummary = "done";
    let summary = existingAlert(form);
    if (!summary) {
      summary = document.createElement("div");
      summary.className = "alert alert-danger";
      summary.setAttribute("role", "alert");
      const heading = document.createElement("p");
      heading.className = "fw-semibold mb-1";
      heading.textContent = words(
        "textErrorSummary",
        "Nothing was saved. Correct these and save again:",
      );
      summary.append(heading);
      form.prepend(summary);
    }
    summary.classList.add("error-summary");
    summary.tabIndex = -1;
    const list = document.createElement("ul");
    list.className = "mb-0 mt-1";
    found.forEach(({ control, label, message }) => {
      const link = document.createElement("a");
      link.href = `#${control.id}`;
      link.className = "alert-link";
      link.textContent = label ? `${label}: ${message}` : message;
      link.addEventListener("click", (event) => {
        event.preventDefault();
        wrapperOf(control).scrollIntoView({ block: "center" });
        control.focus();
      });
      const item = document.createElement("li");
      item.append(link);
      list.append(item);
    });
    summary.append(list);
    return summary;
  };

  const enhance = (root) => {
    const forms = root.matches?.("form") ? [root] : [...root.querySelectorAll("form")];
    const summaries = forms.map(summarise).filter(Boolean);
    if (summaries.length) {
      summaries[0].focus();
    }
  };

  document.addEventListener("DOMContentLoaded", () => enhance(document));
  document.addEventListener("htmx:load", (event) => enhance(event.detail.elt));

  let announcer = null;
  let lastAnnounced = "";
  const announcement = (root) =>
    root.matches?.("[data-announce]") ? root : root.querySelector?.("[data-announce]");

  document.addEventListener("DOMContentLoaded", () => {
    announcer = document.createElement("div");
    announcer.className = "visually-hidden";
    announcer.setAttribute("role", "status");
    announcer.setAttribute("aria-live", "polite");
    (document.getElementById("main") || document.body).append(announcer);
    lastAnnounced = text(announcement(document.body));
  });
  document.addEventListener("htmx:load", (event) => {
    const message = text(announcement(event.detail.elt));
    if (announcer && message && message !== lastAnnounced) {
      lastAnnounced = message;
      announcer.textContent = message;
    }
  });

  let focusWasInSwappedPart = false;
  const focusIsLost = () => !document.activeElement || document.activeElement === document.body;

  document.addEventListener("htmx:beforeSwap", (event) => {
    const target = event.detail.target;
    focusWasInSwappedPart = !focusIsLost() && !!target && target.contains(document.activeElement);
  });
  document.addEventListener("htmx:afterSettle", (event) => {
    if (!focusWasInSwappedPart || !focusIsLost()) return;
    focusWasInSwappedPart = false;
    // The target itself when it stayed (an inner swap, a boosted body), else what replaced it.
    const target = event.detail.target;
    const part = target && target.isConnected ? target : event.detail.elt;
    const landing = part.querySelector?.("h1, h2, h3, h4") || part;
    if (!landing.matches("a, button, input, select, textarea, [tabindex]")) {
      landing.tabIndex = -1;
    }
    landing.focus();
  });
})();
