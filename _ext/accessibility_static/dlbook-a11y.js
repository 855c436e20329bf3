// Accessibility fixes of the theme's markup (_ext/accessibility.py).
function nameButtonsByTheirText() {
  // The search field shows "Search Ctrl+K": named by that text, not by an aria-label "Search".
  for (const e of document.querySelectorAll(".search-button-field[aria-label]")) {
    e.removeAttribute("aria-label");
  }
  // The colour-mode button is named "Color mode"; its icons' titles ("Light", "Dark") would be
  // text it shows but its name lacks.  Font Awesome turns each <i title> into <svg><title>.
  for (const e of document.querySelectorAll(".theme-switch-button i[title]")) e.removeAttribute("title");
  for (const e of document.querySelectorAll(".theme-switch-button svg title")) e.remove();
  for (const e of document.querySelectorAll(".theme-switch-button svg[aria-labelledby]")) {
    e.removeAttribute("aria-labelledby");
  }
}
window.addEventListener("load", nameButtonsByTheirText);
document.addEventListener("DOMContentLoaded", () => {
  nameButtonsByTheirText();
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
