/* The listing's district map (housing/publishing/district_map.py draws it at build time).
   Follows the listing's filters: offers.js sends "hf-offers-filtered" after each change; every
   district's number, name for screen readers, shade and list entry are recounted with the other
   filters (the district filter aside: a district says what choosing it would show), and the live
   region announces the total. A district is a link to the filtered listing; with scripts it sets
   the district filter in place (the address follows, as for any filter). */
(function () {
  "use strict";
  var WORDS = { it: ["offerta", "offerte", "quartiere", "quartieri"], en: ["offer", "offers", "district", "districts"] };

  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }

  function each(root, selector, fn) { Array.prototype.forEach.call(root.querySelectorAll(selector), fn); }

  function update(figure, detail) {
    var words = WORDS[figure.getAttribute("data-lang")] || WORDS.it;
    var relaxed = Object.assign({}, detail.filters, { district: "" });
    var counts = {}, total = 0, places = 0, top = 0;
    detail.offers.forEach(function (o) {
      if (o.district && detail.matches(o, relaxed)) { counts[o.district] = (counts[o.district] || 0) + 1; }
    });
    Object.keys(counts).forEach(function (d) { total += counts[d]; places += 1; top = Math.max(top, counts[d]); });
    var chosen = detail.filters.district || "";
    each(figure, "a[data-district]", function (link) {
      var name = link.getAttribute("data-district"), n = counts[name] || 0;
      var label = name + ": " + plural(n, words[0], words[1]);
      link.setAttribute("aria-label", label);
      var title = link.querySelector("title");
      if (title) { title.textContent = label; }
      var shape = link.querySelector(".hf-district");
      if (shape) { shape.setAttribute("class", "hf-district hf-shade-" + (n ? 1 + Math.min(3, Math.floor(4 * n / (top + 1))) : 0)); }
      if (name === chosen) { link.setAttribute("aria-current", "true"); } else { link.removeAttribute("aria-current"); }
    });
    each(figure, "text[data-district]", function (text) { text.textContent = counts[text.getAttribute("data-district")] || ""; });
    each(document, "#hf-map-list li[data-district]", function (item) {
      var count = item.querySelector(".hf-map-count");
      if (count) { count.textContent = counts[item.getAttribute("data-district")] || 0; }
    });
    var status = document.getElementById("hf-map-status");
    if (status) { status.textContent = plural(total, words[0], words[1]) + " in " + plural(places, words[2], words[3]); }
  }

  function init() {
    var figure = document.getElementById("hf-map");
    if (!figure || figure.getAttribute("data-ready")) { return; }
    figure.setAttribute("data-ready", "1");
    var choose = null;
    document.addEventListener("hf-offers-filtered", function (event) {
      choose = event.detail.choose;
      update(figure, event.detail);
    });
    function pick(event) {
      var link = event.target.closest ? event.target.closest("a[data-district], #hf-map-list a") : null;
      if (!link || !choose) { return; }
      var item = link.closest("[data-district]");
      event.preventDefault();
      choose(item.getAttribute("data-district"));
    }
    figure.addEventListener("click", pick);
    var list = document.getElementById("hf-map-list");
    if (list) { list.addEventListener("click", pick); }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
}());
