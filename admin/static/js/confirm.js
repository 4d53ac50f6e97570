// Forms with data-confirm="question" ask before they are sent (next step, close,
// step back: actions that cannot simply be undone). Once the person confirms, the
// form's hidden "confirm" field is set: the server refuses the action without it.
// A served script, not an inline handler: the back office's Content-Security-Policy
// runs no inline code (admin/headers.py).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (!question) {
    return;
  }
  var field = form.querySelector("input[name=confirm]");
  if (!window.confirm(question)) {
    event.preventDefault();
    if (field) {
      field.value = "";
    }
    return;
  }
  if (field) {
    field.value = "yes";
  }
});
