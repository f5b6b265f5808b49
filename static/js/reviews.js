// Deep dives: an htmx form marked data-swap-errors shows the server's 400 answer (the
// same form with its errors) in place, instead of htmx ignoring it as an error.
document.addEventListener("htmx:beforeSwap", (event) => {
  const source = event.detail.requestConfig && event.detail.requestConfig.elt;
  if (event.detail.xhr.status === 400 && source && source.closest("[data-swap-errors]")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
