// Flask-Admin's row check boxes carry only a title; screen readers need a label (axe label-title-only).
document.querySelectorAll('input.action-checkbox, input.action-rowtoggle').forEach(function (box) {
  if (!box.getAttribute('aria-label')) { box.setAttribute('aria-label', box.title); }
});
