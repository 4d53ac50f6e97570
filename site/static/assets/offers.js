/* Offers listing: client-side filters and sorting over assets/offers.json.
   Plain JavaScript, no dependency, no network beyond the site itself. */
(function () {
  "use strict";
  var TEXT = {
    it: {
      legend: "Filtra le offerte", district: "Quartiere", zone: "Zona", rooms: "Vani (almeno)",
      maxRent: "Canone massimo (€/mese)", type: "Tipo di contratto", stepFree: "Solo accessibili senza gradini",
      from: "Disponibile entro il", sort: "Ordina per", any: "Tutti", reset: "Azzera filtri",
      sorts: { rent_asc: "Canone crescente", rent_desc: "Canone decrescente", area_desc: "Superficie", from_asc: "Disponibilità" },
      count: function (n, total) { return n + (n === 1 ? " offerta" : " offerte") + " su " + total; },
      none: "Nessuna offerta corrisponde ai filtri.", perMonth: "/mese", rooms_: "vani", stepFreeTag: "senza gradini",
      available: "dal"
    },
    en: {
      legend: "Filter the offers", district: "District", zone: "Zone", rooms: "Rooms (at least)",
      maxRent: "Maximum rent (EUR/month)", type: "Contract type", stepFree: "Step-free access only",
      from: "Available by", sort: "Sort by", any: "Any", reset: "Reset filters",
      sorts: { rent_asc: "Rent, lowest first", rent_desc: "Rent, highest first", area_desc: "Area", from_asc: "Availability" },
      count: function (n, total) { return n + (n === 1 ? " offer" : " offers") + " of " + total; },
      none: "No offer matches the filters.", perMonth: "/month", rooms_: "rooms", stepFreeTag: "step-free",
      available: "from"
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
    options.forEach(function (o) { s.appendChild(el("option", { value: o[0], text: o[1] })); });
    return s;
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
      (!f.from || !o.from || o.from <= f.from);
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
      rooms: el("input", { type: "number", min: "1", max: "10", step: "1", inputmode: "numeric" }),
      maxRent: el("input", { type: "number", min: "0", step: "10", inputmode: "numeric" }),
      type: select(Object.keys(types).sort().map(function (k) { return [k, types[k]]; }), t.any),
      from: el("input", { type: "date" }),
      sort: select([], "")
    };
    controls.sort.innerHTML = "";
    Object.keys(t.sorts).forEach(function (k) { controls.sort.appendChild(el("option", { value: k, text: t.sorts[k] })); });
    var stepFree = el("input", { type: "checkbox", id: "hf-step-free" });
    var reset = el("button", { type: "reset", "class": "md-button", text: t.reset });
    var form = el("form", { "class": "hf-filters", role: "search" }, [
      el("fieldset", {}, [
        el("legend", { text: t.legend }),
        field("hf-district", t.district, controls.district),
        field("hf-zone", t.zone, controls.zone),
        field("hf-rooms", t.rooms, controls.rooms),
        field("hf-max-rent", t.maxRent, controls.maxRent),
        field("hf-type", t.type, controls.type),
        field("hf-from", t.from, controls.from),
        el("div", { "class": "hf-field hf-check" }, [stepFree, el("label", { "for": "hf-step-free", text: t.stepFree })]),
        field("hf-sort", t.sort, controls.sort),
        el("div", { "class": "hf-field" }, [reset])
      ])
    ]);
    var count = el("p", { "class": "hf-count", id: "hf-count", "aria-live": "polite", role: "status" });
    var list = el("ul", { "class": "hf-results", id: "hf-results" });

    function current() {
      return {
        district: controls.district.value, zone: controls.zone.value,
        rooms: parseInt(controls.rooms.value, 10) || 0, maxRent: parseFloat(controls.maxRent.value) || 0,
        type: controls.type.value, stepFree: stepFree.checked, from: controls.from.value
      };
    }

    function render() {
      var f = current();
      var shown = offers.filter(function (o) { return matches(o, f); }).sort(SORTS[controls.sort.value] || SORTS.rent_asc);
      count.textContent = t.count(shown.length, offers.length);
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
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    var fallback = root.querySelector(".hf-offer-list-static");
    if (fallback) { fallback.hidden = true; }
    root.insertBefore(list, root.firstChild);
    root.insertBefore(count, list);
    root.insertBefore(form, count);
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
