// Accessibility fixes of the theme's markup (_ext/accessibility.py).
function nameControlsByTheirText() {
  // The search field shows "Search Ctrl+K", and a hidden code cell's toggle "Show code cell
  // source": each is named by the text it shows, not by an aria-label ("Search", "Toggle hidden
  // content") that lacks it.
  for (const e of document.querySelectorAll(".search-button-field[aria-label], details > summary[aria-label]")) {
    e.removeAttribute("aria-label");
  }
  // The colour-mode button is named "Color mode"; its icons are decoration.  Font Awesome turns
  // each <i title="Light"> into <svg role="img"><title>Light</title>, text the button would show
  // but its name lacks.
  for (const e of document.querySelectorAll(".theme-switch-button i[title]")) e.removeAttribute("title");
  for (const svg of document.querySelectorAll(".theme-switch-button svg")) {
    for (const title of svg.querySelectorAll("title")) title.remove();
    svg.removeAttribute("aria-labelledby");
    svg.removeAttribute("role");
    svg.setAttribute("aria-hidden", "true");
  }
}

document.addEventListener("DOMContentLoaded", () => {
  nameControlsByTheirText();
  // Font Awesome replaces the icons when its script has run, which may be later.
  const icons = new MutationObserver(() => {
    icons.disconnect();
    nameControlsByTheirText();
    for (const b of document.querySelectorAll(".theme-switch-button")) {
      icons.observe(b, { childList: true, subtree: true, attributes: true });
    }
  });
  for (const b of document.querySelectorAll(".theme-switch-button")) {
    icons.observe(b, { childList: true, subtree: true, attributes: true });
  }
  // A code block that scrolls sideways can be scrolled with the keyboard: the theme gives it a
  // tab stop when the page loads, this also when it starts to scroll later (an opened solution,
  // a narrower window).
  const observer = new ResizeObserver((entries) => {
    for (const { target } of entries) {
      if (target.scrollWidth > target.clientWidth && !(target.tabIndex >= 0 && target.hasAttribute("tabindex"))) {
        target.setAttribute("tabindex", "0");
      }
    }
  });
  for (const pre of document.querySelectorAll("article pre")) observer.observe(pre);
});
