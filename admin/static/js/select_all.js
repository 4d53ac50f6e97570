// A checkbox with data-select-all="NAME" ticks or clears every checkbox named NAME.
// A served script, not an inline handler: the back office's Content-Security-Policy
// runs no inline code (admin/headers.py).
document.addEventListener("change", function (event) {
  var name = event.target.getAttribute && event.target.getAttribute("data-select-all");
  if (!name) {
    return;
  }
  document.querySelectorAll("input[type=checkbox]").forEach(function (box) {
    if (box.name === name) {
      box.checked = event.target.checked;
    }
  });
});
