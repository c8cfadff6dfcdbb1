// Progressive help only: every page works without it.
document.addEventListener("DOMContentLoaded", () => {
  // A button with data-confirm asks before its form is sent (cancel, retry all, activate anyway).
  for (const button of document.querySelectorAll("button[data-confirm]")) {
    button.addEventListener("click", (event) => {
      if (!window.confirm(button.dataset.confirm)) event.preventDefault();
    });
  }
  // The reissue dialog: the "change to" address and the "after N days" fields are used only with their choice.
  const sync = (name, value, field) => {
    const target = document.getElementById(field);
    if (!target) return;
    const update = () => {
      const chosen = document.querySelector(`input[name="${name}"]:checked`);
      target.disabled = !chosen || chosen.value !== value;
    };
    for (const radio of document.querySelectorAll(`input[name="${name}"]`)) radio.addEventListener("change", update);
    update();
  };
  sync("addressChoice", "change", "addresses");
  sync("activation", "after", "delayDays");
});
