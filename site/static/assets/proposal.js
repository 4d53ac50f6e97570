/* The landlords' form "Offri il tuo alloggio" (site/templates/proposal.md.j2).
   - elapsed: the milliseconds since the form was shown, written at submission; the back office drops a
     proposal sent sooner than its minimum fill time (the static page holds 0: a client that runs no script,
     as most bots, is dropped). See admin/public_proposals.py for the reasoning.
   - prefill: the calculators link here with what the landlord typed (?area_m2=75,5&monthly_rent=...&has_lift=1):
     known fields only, set as values (never as markup). */
(function () {
  "use strict";
  var TEXT_FIELDS = ["area_m2", "rooms", "floor", "monthly_rent", "district", "available_from"];
  var FLAGS = ["has_lift", "step_free", "furnished"];

  function prefill(form, search) {
    var params = new URLSearchParams(search || "");
    TEXT_FIELDS.forEach(function (name) {
      var value = params.get(name), input = form.elements[name];
      if (value === null || !input || value.length > 40) { return; }
      if (input.tagName === "SELECT") {
        if (Array.prototype.some.call(input.options, function (o) { return o.value === value; })) { input.value = value; }
      } else {
        input.value = value;
      }
    });
    FLAGS.forEach(function (name) {
      var input = form.elements[name];
      if (input && params.get(name) === "1") { input.checked = true; }
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-hf-proposal-form]"), function (form) {
      if (form.dataset.hfReady) { return; }
      form.dataset.hfReady = "true";
      var shown = Date.now();
      prefill(form, window.location.search);
      form.addEventListener("submit", function () {
        form.elements.elapsed.value = String(Date.now() - shown);
      });
    });
  }

  window.HFProposal = { prefill: prefill, init: init };
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
