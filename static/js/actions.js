// Action form: the "every how many days" field only matters for a custom cadence.
document.addEventListener("DOMContentLoaded", () => {
  const cadence = document.getElementById("id_cadence");
  const days = document.getElementById("div_id_cadence_days");
  if (!cadence || !days) {
    return;
  }
  const sync = () => {
    days.hidden = cadence.value !== "custom";
  };
  cadence.addEventListener("change", sync);
  sync();
});
