/* The offer form's band: as the clerk types, ask /admin/offer/band (JSON, same
   origin, login cookie) for the zone's band of the chosen home and the problems
   of the rent and durations typed, and show them above the form. Text only
   (textContent): the server words and formats everything in the user's language. */
(function () {
  "use strict";
  var panel = document.getElementById("offer-band");
  if (!panel) { return; }
  var names = ["dwelling", "contract_type", "monthly_rent", "min_duration_months", "max_duration_months"];
  var timer = null;
  var asked = 0;

  function value(name) {
    var field = document.getElementById(name);
    return field ? field.value : "";
  }

  function fill(list, items) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    items.forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      list.appendChild(item);
    });
  }

  function show(data) {
    var problems = (data.problems || []).map(function (p) { return p.text; });
    fill(document.getElementById("offer-band-lines"), data.lines || []);
    fill(document.getElementById("offer-band-problems"), problems);
    panel.hidden = !(data.lines || []).length && !problems.length;
    panel.classList.toggle("alert-info", !problems.length);
    panel.classList.toggle("alert-warning", problems.length > 0);
    panel.dataset.state = problems.length ? "problems" : (data.band ? "band" : "none");
  }

  function refresh() {
    var query = names.map(function (name) {
      return encodeURIComponent(name) + "=" + encodeURIComponent(value(name));
    }).join("&");
    var mine = ++asked;
    fetch(panel.dataset.url + "?" + query, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data && mine === asked) { show(data); } })
      .catch(function () { /* the save checks again on the server */ });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  }

  names.forEach(function (name) {
    var field = document.getElementById(name);
    if (!field) { return; }
    field.addEventListener("input", later);
    field.addEventListener("change", later);
    // select2 (the home's lookup, the contract type) announces its choice through jQuery only
    if (window.jQuery) { window.jQuery(field).on("change", later); }
  });
  refresh();
})();
