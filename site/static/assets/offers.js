/* Offers listing: client-side filters and sorting over assets/offers.json.
   Plain JavaScript, no dependency, no network beyond the site itself.
   The filters live in the address (?district=...&max_rent=...): a filtered list can be shared or
   bookmarked, is restored on load, and the back button returns to it; the language switcher carries
   them to the other language's listing. */
(function () {
  "use strict";
  var TEXT = {
    it: {
      legend: "Filtra le offerte", district: "Quartiere", zone: "Zona", rooms: "Vani (almeno)",
      maxRent: "Canone massimo (€/mese)", type: "Tipo di contratto", stepFree: "Solo accessibili senza gradini",
      from: "Disponibile entro il", since: "Nuove dal", sort: "Ordina per", any: "Tutti", reset: "Azzera filtri",
      sorts: { rent_asc: "Canone crescente", rent_desc: "Canone decrescente", area_desc: "Superficie", from_asc: "Disponibilità" },
      count: function (n, total) { return n + (n === 1 ? " offerta" : " offerte") + " su " + total; },
      none: "Nessuna offerta corrisponde ai filtri.", perMonth: "/mese", rooms_: "vani", stepFreeTag: "senza gradini",
      available: "dal", unreadable: "Numero non leggibile: scrivi ad esempio 650 o 650,50."
    },
    en: {
      legend: "Filter the offers", district: "District", zone: "Zone", rooms: "Rooms (at least)",
      maxRent: "Maximum rent (EUR/month)", type: "Contract type", stepFree: "Step-free access only",
      from: "Available by", since: "New since", sort: "Sort by", any: "Any", reset: "Reset filters",
      sorts: { rent_asc: "Rent, lowest first", rent_desc: "Rent, highest first", area_desc: "Area", from_asc: "Availability" },
      count: function (n, total) { return n + (n === 1 ? " offer" : " offers") + " of " + total; },
      none: "No offer matches the filters.", perMonth: "/month", rooms_: "rooms", stepFreeTag: "step-free",
      available: "from", unreadable: "Not a readable number: write for example 650 or 650.50."
    }
  };

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; } else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { node.appendChild(c); });
    return node;
  }

  function euro(value, lang) {
    return "€ " + Number(value).toLocaleString(lang === "en" ? "en-GB" : "it-IT", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function field(id, label, control) {
    control.id = id;
    return el("div", { "class": "hf-field" }, [el("label", { "for": id, text: label }), control]);
  }

  function select(options, anyLabel) {
    var s = el("select");
    s.appendChild(el("option", { value: "", text: anyLabel }));
    options.forEach(function (o) { s.appendChild(el("option", { value: o[0], text: o[1], "data-label": o[1] })); });
    return s;
  }

  // Each choice of a list filter says how many offers it would show with the other filters as they are.
  var COUNTED = ["district", "zone", "type"];
  function countChoices(offers, f, controls) {
    COUNTED.forEach(function (key) {
      var relaxed = Object.assign({}, f), counts = {};
      relaxed[key] = "";
      offers.forEach(function (o) { if (matches(o, relaxed)) { counts[o[key]] = (counts[o[key]] || 0) + 1; } });
      Array.prototype.forEach.call(controls[key].options, function (option) {
        if (option.value) { option.textContent = option.getAttribute("data-label") + " (" + (counts[option.value] || 0) + ")"; }
      });
    });
  }

  function unique(values) {
    return values.filter(function (v, i, all) { return v !== null && v !== undefined && all.indexOf(v) === i; }).sort();
  }

  function matches(o, f) {
    return (!f.district || o.district === f.district) &&
      (!f.zone || o.zone === f.zone) &&
      (!f.rooms || o.rooms >= f.rooms) &&
      (!f.maxRent || o.rent <= f.maxRent) &&
      (!f.type || o.type === f.type) &&
      (!f.stepFree || o.step_free) &&
      (!f.from || !o.from || o.from <= f.from) &&
      (!f.since || (!!o.published && o.published >= f.since));
  }

  var SORTS = {
    rent_asc: function (a, b) { return a.rent - b.rent || a.ref.localeCompare(b.ref); },
    rent_desc: function (a, b) { return b.rent - a.rent || a.ref.localeCompare(b.ref); },
    area_desc: function (a, b) { return b.area - a.area || a.ref.localeCompare(b.ref); },
    from_asc: function (a, b) { return (a.from || "").localeCompare(b.from || "") || a.ref.localeCompare(b.ref); }
  };

  function start(root, offers) {
    var lang = root.getAttribute("data-lang") === "en" ? "en" : "it";
    var t = TEXT[lang];
    var base = root.getAttribute("data-offer-base") || "";
    var types = {};
    offers.forEach(function (o) { types[o.type] = o.type_label; });

    var controls = {
      district: select(unique(offers.map(function (o) { return o.district; })).map(function (d) { return [d, d]; }), t.any),
      zone: select(unique(offers.map(function (o) { return o.zone; })).map(function (z) { return [z, z]; }), t.any),
      // Text boxes with a numeric keypad: a number input drops "650,50" without a word (HFNumbers reads it).
      rooms: el("input", { type: "text", inputmode: "numeric", autocomplete: "off" }),
      maxRent: el("input", { type: "text", inputmode: "decimal", autocomplete: "off" }),
      type: select(Object.keys(types).sort().map(function (k) { return [k, types[k]]; }), t.any),
      from: el("input", { type: "date" }),
      since: el("input", { type: "date" }),
      sort: select([], "")
    };
    controls.sort.innerHTML = "";
    Object.keys(t.sorts).forEach(function (k) { controls.sort.appendChild(el("option", { value: k, text: t.sorts[k] })); });
    var stepFree = el("input", { type: "checkbox", id: "hf-step-free" });
    var reset = el("button", { type: "reset", "class": "md-button", text: t.reset });
    // Named: the theme's site search is a search landmark too (axe-core landmark-unique).
    var form = el("form", { "class": "hf-filters", role: "search", "aria-label": t.legend }, [
      el("fieldset", {}, [
        el("legend", { text: t.legend }),
        field("hf-district", t.district, controls.district),
        field("hf-zone", t.zone, controls.zone),
        numeric("hf-rooms", t.rooms, controls.rooms),
        numeric("hf-max-rent", t.maxRent, controls.maxRent),
        field("hf-type", t.type, controls.type),
        field("hf-from", t.from, controls.from),
        field("hf-since", t.since, controls.since),
        el("div", { "class": "hf-field hf-check" }, [stepFree, el("label", { "for": "hf-step-free", text: t.stepFree })]),
        field("hf-sort", t.sort, controls.sort),
        el("div", { "class": "hf-field" }, [reset])
      ])
    ]);
    var count = el("p", { "class": "hf-count", id: "hf-count", "aria-live": "polite", role: "status" });
    var list = el("ul", { "class": "hf-results", id: "hf-results" });

    function numeric(id, label, control) {
      var warning = el("span", { id: id + "-warning", "class": "hf-warning" });
      control.setAttribute("aria-describedby", warning.id);
      var wrapper = field(id, label, control);
      wrapper.appendChild(warning);
      return wrapper;
    }

    function number(control) {
      var value = window.HFNumbers ? window.HFNumbers.parse(control.value) : parseFloat(control.value);
      var unreadable = value !== null && !(isFinite(value) && value >= 0);
      var warning = document.getElementById(control.id + "-warning");
      if (unreadable) { control.setAttribute("aria-invalid", "true"); } else { control.removeAttribute("aria-invalid"); }
      if (warning) { warning.textContent = unreadable ? t.unreadable : ""; }
      return unreadable || value === null ? 0 : value;
    }

    function current() {
      return {
        district: controls.district.value, zone: controls.zone.value,
        rooms: Math.floor(number(controls.rooms)), maxRent: number(controls.maxRent),
        type: controls.type.value, stepFree: stepFree.checked, from: controls.from.value,
        since: controls.since.value
      };
    }

    // The address's parameter of each control, the same in both languages.
    var PARAMS = { district: controls.district, zone: controls.zone, rooms: controls.rooms, max_rent: controls.maxRent,
      type: controls.type, from: controls.from, since: controls.since, sort: controls.sort };

    function toAddress() {
      var query = new URLSearchParams();
      Object.keys(PARAMS).forEach(function (name) {
        var control = PARAMS[name];
        if (control.value && !(name === "sort" && control.value === "rent_asc")) { query.set(name, control.value.trim()); }
      });
      if (stepFree.checked) { query.set("step_free", "1"); }
      var search = query.toString() ? "?" + query.toString() : "";
      if (search !== window.location.search) {
        window.history.replaceState(window.history.state, "", window.location.pathname + search + window.location.hash);
      }
      Array.prototype.forEach.call(document.querySelectorAll("a.md-select__link[hreflang]"), function (link) {
        if (/\/(offerte|offers)\/$/.test(link.pathname)) { link.search = search; }
      });
    }

    function fromAddress() {
      var query = new URLSearchParams(window.location.search);
      Object.keys(PARAMS).forEach(function (name) {
        var control = PARAMS[name], value = query.get(name);
        if (control.tagName === "SELECT") {
          var known = Array.prototype.some.call(control.options, function (o) { return o.value === value; });
          control.value = known ? value : control.options[0].value;
        } else {
          control.value = value || "";
        }
      });
      stepFree.checked = query.get("step_free") === "1";
    }

    function render() {
      var f = current();
      toAddress();
      var shown = offers.filter(function (o) { return matches(o, f); }).sort(SORTS[controls.sort.value] || SORTS.rent_asc);
      count.textContent = t.count(shown.length, offers.length);
      countChoices(offers, f, controls);
      // The district map (district_map.js) recounts its districts with the same filters.
      root.dispatchEvent(new CustomEvent("hf-offers-filtered", { bubbles: true, detail: {
        offers: offers, filters: f, matches: matches, choose: function (district) {
          controls.district.value = district;
          render();
        } } }));
      list.innerHTML = "";
      if (!shown.length) { list.appendChild(el("li", { "class": "hf-none", text: t.none })); }
      shown.forEach(function (o) {
        var tags = [o.rooms + " " + t.rooms_, o.area + " m²", o.type_label];
        if (o.step_free) { tags.push(t.stepFreeTag); }
        if (o.from) { tags.push(t.available + " " + o.from); }
        list.appendChild(el("li", { "class": "hf-offer", "data-ref": o.ref }, [
          el("a", { href: base + o.ref + "/" }, [
            el("strong", { "class": "hf-title", text: o.title }),
            el("span", { "class": "hf-rent", text: euro(o.rent, lang) + t.perMonth })
          ]),
          el("span", { "class": "hf-tags", text: tags.join(" · ") })
        ]));
      });
    }

    form.addEventListener("input", render);
    form.addEventListener("change", render);
    form.addEventListener("reset", function () { setTimeout(render, 0); });
    window.addEventListener("popstate", function () { fromAddress(); render(); });
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    var fallback = root.querySelector(".hf-offer-list-static");
    if (fallback) { fallback.hidden = true; }
    root.insertBefore(list, root.firstChild);
    root.insertBefore(count, list);
    root.insertBefore(form, count);
    fromAddress();
    render();
  }

  function init() {
    var root = document.getElementById("hf-offers");
    if (!root || root.getAttribute("data-ready")) { return; }
    root.setAttribute("data-ready", "1");
    var request = new XMLHttpRequest();
    request.open("GET", root.getAttribute("data-index"));
    request.onload = function () {
      if (request.status === 200) { start(root, JSON.parse(request.responseText)); }
    };
    request.send();
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
}());
