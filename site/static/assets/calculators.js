/*
 * Calculators of the Housing First public site (no dependencies).
 *
 * Finds every <div class="hf-calculator" data-calculator="..."> and renders an
 * accessible form in the page's language (<html lang="en..."> -> English, else
 * Italian):
 *   concordato-range  zone, surface, features -> sub-band and EUR/month range
 *   landlord-income   net yearly income, free market vs canone concordato
 *   sustainability    incidence of rent + charges on income, programme share
 * Data come from <site root>/assets/rent-data.json (made by housing/rents.py
 * rent_data()); the root is <html data-hf-root="..."> or, failing that, the
 * folder of this script. The formulas are those of housing/rents.py, checked
 * against the same vectors (tests/vectors/calculators.json).
 */
(function () {
  "use strict";

  var SCRIPT = document.currentScript;
  var TEXT = {
    it: {
      loading: "Caricamento del calcolatore…",
      loadError: "Non è stato possibile caricare i dati del calcolatore.",
      propose: "Offri questo alloggio al programma (il modulo riprende questi dati)",
      invalid: "Inserisci valori numerici validi (zero o più; mesi da 0 a 12).",
      incomplete: "Compila i campi per vedere il risultato.",
      unreadable: "Numero non leggibile: scrivi ad esempio 75,5 o 1.234,50.",
      compute: "Calcola",
      rangeLegend: "Canone concordato: calcola la fascia e il canone",
      zone: "Zona dell'accordo territoriale",
      districts: "Quartieri: ",
      area: "Superficie convenzionale (m²)",
      features: "Caratteristiche dell'alloggio presenti",
      featureCount: "Caratteristiche selezionate: ",
      noZones: "Le zone dell'accordo territoriale non sono ancora disponibili.",
      noBand: "Nessuna fascia dell'accordo si applica a questa zona con queste caratteristiche.",
      band: "Fascia",
      perMonth: "Canone mensile",
      perYear: "Canone annuo",
      from: "da ",
      to: " a ",
      incomeLegend: "Reddito netto annuo: libero mercato e canone concordato",
      freeRent: "Canone mensile a libero mercato (€)",
      concordatoRent: "Canone mensile concordato (€)",
      vacancy: "Mesi di sfitto nell'anno (0-12)",
      imu: "IMU annua ad aliquota ordinaria (€)",
      arrears: "Mesi di canone non pagato (morosità)",
      item: "Voce",
      free_market: "Libero mercato",
      concordato: "Canone concordato",
      months_let: "Mesi locati",
      gross_rent: "Canoni dei mesi locati",
      flat_tax: "Cedolare secca",
      imuRow: "IMU",
      grant: "Contributo una tantum del programma",
      arrears_loss: "Morosità non coperta dal fondo di garanzia",
      net_year: "Reddito netto annuo",
      difference: "Differenza (concordato meno libero mercato)",
      incomeNote: "Con la cedolare secca non si pagano imposta di registro e bollo sul contratto. " +
        "Il contributo una tantum è contato nel primo anno; la cedolare è calcolata su tutti i canoni dovuti.",
      sustLegend: "Sostenibilità del canone per il nucleo",
      rent: "Canone mensile (€)",
      charges: "Spese condominiali e accessorie mensili (€)",
      income: "Reddito netto mensile del nucleo (€)",
      incidence: "Incidenza su reddito",
      noIncome: "non calcolabile (reddito zero)",
      above: "Oltre la soglia di sostenibilità del ",
      within: "Entro la soglia di sostenibilità del ",
      householdMax: "Quota massima a carico del nucleo",
      contribution: "Contributo mensile necessario del programma"
    },
    en: {
      loading: "Loading the calculator…",
      loadError: "The calculator's data could not be loaded.",
      propose: "Offer this home to the programme (the form takes these figures)",
      invalid: "Enter valid numbers (zero or more; months from 0 to 12).",
      incomplete: "Fill in the fields to see the result.",
      unreadable: "Not a readable number: write for example 75.5 or 1,234.50.",
      compute: "Calculate",
      rangeLegend: "Controlled rent: find the sub-band and the rent",
      zone: "Zone of the territorial agreement",
      districts: "Districts: ",
      area: "Conventional surface (m²)",
      features: "Features the home has",
      featureCount: "Features selected: ",
      noZones: "The zones of the territorial agreement are not available yet.",
      noBand: "No band of the agreement applies to this zone with these features.",
      band: "Sub-band",
      perMonth: "Monthly rent",
      perYear: "Yearly rent",
      from: "from ",
      to: " to ",
      incomeLegend: "Net yearly income: free market and controlled rent",
      freeRent: "Free-market monthly rent (€)",
      concordatoRent: "Controlled monthly rent (€)",
      vacancy: "Months vacant in the year (0-12)",
      imu: "Yearly IMU at the ordinary rate (€)",
      arrears: "Months of unpaid rent (arrears)",
      item: "Item",
      free_market: "Free market",
      concordato: "Controlled rent (canone concordato)",
      months_let: "Months let",
      gross_rent: "Rent for the months let",
      flat_tax: "Flat tax (cedolare secca)",
      imuRow: "IMU property tax",
      grant: "One-off programme grant",
      arrears_loss: "Arrears not covered by the guarantee fund",
      net_year: "Net yearly income",
      difference: "Difference (controlled minus free market)",
      incomeNote: "Under the flat tax no registration tax or stamp duty is due on the contract. " +
        "The one-off grant is counted in the first year; the flat tax is computed on all the rent due.",
      sustLegend: "Rent sustainability for the household",
      rent: "Monthly rent (€)",
      charges: "Monthly service charges (€)",
      income: "Household's net monthly income (€)",
      incidence: "Share of income",
      noIncome: "cannot be computed (zero income)",
      above: "Above the sustainability threshold of ",
      within: "Within the sustainability threshold of ",
      householdMax: "Most the household should pay",
      contribution: "Monthly programme contribution needed"
    }
  };

  // -- formulas (same as housing/rents.py) -----------------------------------

  function roundTo(x, digits) {
    // Half-up (away from zero) on the decimal value, like Decimal ROUND_HALF_UP.
    var f = Math.pow(10, digits);
    var sign = x < 0 ? -1 : 1;
    return sign * Math.round(Number((Math.abs(x) * f).toPrecision(15))) / f;
  }
  function round2(x) { return roundTo(x, 2); }

  function figure(figures, path) {
    var node = figures;
    path.split(".").forEach(function (key) {
      if (!node || typeof node !== "object" || !(key in node)) { throw new Error("no figure " + path); }
      node = node[key];
    });
    return Number(node !== null && typeof node === "object" ? node.value : node);
  }

  function pickBand(bands, features) {
    var best = null;
    (bands || []).forEach(function (band) {
      if (band.min_features <= features && (best === null || band.min_features > best.min_features)) { best = band; }
    });
    return best;
  }

  function concordatoRange(area, bands, features) {
    var band = pickBand(bands, features);
    if (band === null) { return null; }
    return {
      band: band.label,
      min_month: round2(area * band.min_eur_m2_year / 12),
      max_month: round2(area * band.max_eur_m2_year / 12),
      min_year: round2(area * band.min_eur_m2_year),
      max_year: round2(area * band.max_eur_m2_year)
    };
  }

  function landlordIncome(rent, vacant, imuYear, regime, figures, grant, arrearsMonths, guaranteeMonths) {
    if (vacant > 12) { throw new Error("months_vacant must be at most 12"); }
    rent = round2(rent);
    var monthsLet = 12 - vacant;
    arrearsMonths = Math.min(arrearsMonths || 0, monthsLet);
    var covered = Math.min(arrearsMonths, guaranteeMonths || 0);
    var rate = figure(figures, "flat_tax." + regime);
    var coefficient = regime === "concordato" ? figure(figures, "imu.concordato_coefficient") : 1;
    var gross = round2(rent * monthsLet);
    var flatTax = round2(gross * rate);
    var imu = round2(imuYear * coefficient);
    var arrears = round2(rent * arrearsMonths);
    var cover = Math.min(arrears, round2(rent * covered));
    if (covered) { cover = Math.min(cover, round2(figure(figures, "programme.guarantee_max_amount"))); }
    var loss = round2(arrears - cover);
    grant = round2(grant || 0);
    return {
      regime: regime, months_let: monthsLet, gross_rent: gross, flat_tax_rate: rate, flat_tax: flatTax,
      imu: imu, grant: grant, arrears: arrears, guarantee_cover: cover, arrears_loss: loss,
      net_year: round2(gross - flatTax - imu + grant - loss)
    };
  }

  function compareFreeVsConcordato(freeRent, concordatoRent, vacant, imuYear, figures, arrearsMonths) {
    var free = landlordIncome(freeRent, vacant, imuYear, "free_market", figures, 0, arrearsMonths, 0);
    var conc = landlordIncome(concordatoRent, vacant, imuYear, "concordato", figures,
      figure(figures, "programme.landlord_grant"), arrearsMonths, figure(figures, "programme.guarantee_months"));
    return { free_market: free, concordato: conc, difference: round2(conc.net_year - free.net_year) };
  }

  function sustainability(rent, charges, income, threshold) {
    var cost = round2(rent + charges);
    income = round2(income);
    var householdMax = round2(threshold * income);
    var contribution = Math.max(0, round2(cost - householdMax));
    return {
      cost: cost, incidence: income ? roundTo(cost / income, 4) : null, threshold: threshold,
      above_threshold: cost > householdMax, household_max: householdMax,
      contribution: contribution, household_share: round2(cost - contribution)
    };
  }

  // -- formatting ------------------------------------------------------------

  function number(x, digits, lang) {
    var parts = Math.abs(x).toFixed(digits).split(".");
    var whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, lang === "en" ? "," : ".");
    return (x < 0 ? "\u2212" : "") + whole + (parts[1] ? (lang === "en" ? "." : ",") + parts[1] : "");
  }
  function money(x, lang) {
    var n = number(round2(x), 2, lang);
    if (lang === "en") { return n.charAt(0) === "\u2212" ? "\u2212€" + n.slice(1) : "€" + n; }
    return n + "\u00a0€";
  }
  function percent(x, lang) {
    var n = number(roundTo(x * 100, 2), 2, lang).replace(/[.,]?0+$/, "");
    return n + "%";
  }

  // -- DOM helpers -----------------------------------------------------------

  var counter = 0;
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; } else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  function numberField(id, name, label, attrs) {
    // A text box with a decimal keypad, not a number input: a browser's number input drops the
    // Italian "75,5" (Chromium reads 755) and reports nothing; HFNumbers reads both commas and dots.
    attrs = Object.assign({}, attrs || {});
    delete attrs.step; delete attrs.min; delete attrs.max;
    var input = el("input", Object.assign({ id: id + "-" + name, name: name, type: "text", inputmode: "decimal",
      autocomplete: "off", "data-hf-input": name, "aria-describedby": id + "-" + name + "-warning" }, attrs));
    var warning = el("span", { id: input.id + "-warning", "class": "hf-warning", "data-hf-warning": name });
    return el("p", { "class": "hf-field" }, [el("label", { "for": input.id, text: label }), input, warning]);
  }
  function read(form, name) {
    var input = form.querySelector('[data-hf-input="' + name + '"]');
    var value = window.HFNumbers ? window.HFNumbers.parse(input.value) : Number(input.value.trim() || null);
    if (value === null || input.value.trim() === "") { return undefined; }
    return isFinite(value) && value >= 0 ? value : NaN;
  }
  function values(form, names, t) {
    var out = {}, state = "ok";
    names.forEach(function (n) {
      var v = read(form, n);
      var input = form.querySelector('[data-hf-input="' + n + '"]');
      var warning = form.querySelector('[data-hf-warning="' + n + '"]');
      if (v === undefined) { if (state === "ok") { state = "incomplete"; } } else if (isNaN(v)) { state = "invalid"; }
      // The field that cannot be read says so beside itself, never silently reading another number.
      if (isNaN(v) && v !== undefined) {
        input.setAttribute("aria-invalid", "true");
        if (warning && t) { warning.textContent = t.unreadable; }
      } else {
        input.removeAttribute("aria-invalid");
        if (warning) { warning.textContent = ""; }
      }
      out[n] = v;
    });
    return { values: out, state: state };
  }
  function amount(value, text, field, extra) {
    return el("span", Object.assign({ "data-hf-output": field, "data-value": String(value) }, extra || {}), [text]);
  }
  function message(output, t, key) {
    output.replaceChildren(el("p", { "class": key === "incomplete" ? "hf-hint" : "hf-error", text: t[key] }));
  }
  function shell(root, t, legendText) {
    var id = "hf-calc-" + (++counter);
    var form = el("form", { "class": "hf-form", id: id, novalidate: "" });
    var fieldset = el("fieldset", {}, [el("legend", { text: legendText })]);
    var output = el("output", { "class": "hf-result", "for": "", "aria-live": "polite", "data-hf-result": "" });
    form.appendChild(fieldset);
    root.replaceChildren(form, output);
    return { id: id, form: form, fieldset: fieldset, output: output };
  }
  function finish(ui, t, update) {
    ui.fieldset.appendChild(el("p", { "class": "hf-actions" }, [el("button", { type: "submit", "class": "md-button",
      text: t.compute })]));
    ui.output.setAttribute("for", Array.prototype.map.call(ui.form.querySelectorAll("input, select"),
      function (i) { return i.id; }).join(" "));
    ui.form.addEventListener("input", update);
    ui.form.addEventListener("change", update);
    ui.form.addEventListener("submit", function (event) { event.preventDefault(); update(); });
    update();
  }

  // The form "Offri il tuo alloggio" prefilled with what the landlord typed (site/static/assets/proposal.js
  // reads the query string): the root's data-hf-proposal gives the form's address, relative to the page.
  function proposalLink(root, t, params) {
    if (!root.dataset.hfProposal) { return; }
    var link = root.querySelector("a[data-hf-proposal-link]");
    if (!link) {
      link = el("a", { "data-hf-proposal-link": "", text: t.propose });
      root.appendChild(el("p", { "class": "hf-proposal-link" }, [link]));
    }
    var query = new URLSearchParams();
    Object.keys(params).forEach(function (k) {
      var v = params[k];
      if (v !== undefined && v !== null && v !== "" && !(typeof v === "number" && isNaN(v))) { query.set(k, String(v)); }
    });
    var text = query.toString();
    link.setAttribute("href", root.dataset.hfProposal + (text ? "?" + text : ""));
  }

  // -- the calculators -------------------------------------------------------

  function renderRange(root, data, t, lang) {
    var ui = shell(root, t, t.rangeLegend);
    if (!data.zones.length) { root.replaceChildren(el("p", { "class": "hf-hint", text: t.noZones })); return; }
    var select = el("select", { id: ui.id + "-zone", name: "zone", "data-hf-input": "zone",
      "aria-describedby": ui.id + "-districts" });
    data.zones.forEach(function (z) { select.appendChild(el("option", { value: z.code, text: z.code + " – " + z.name })); });
    var districts = el("p", { id: ui.id + "-districts", "class": "hf-hint" });
    ui.fieldset.appendChild(el("p", { "class": "hf-field" }, [el("label", { "for": select.id, text: t.zone }), select]));
    ui.fieldset.appendChild(districts);
    ui.fieldset.appendChild(numberField(ui.id, "area", t.area, { step: "0.01" }));
    var features = el("fieldset", { "class": "hf-features" }, [el("legend", { text: t.features })]);
    var list = (data.figures.concordato && data.figures.concordato.features) || [];
    list.forEach(function (f, i) {
      var box = el("input", { type: "checkbox", id: ui.id + "-f" + i, name: "feature", value: f.key,
        "data-hf-feature": f.key });
      features.appendChild(el("p", { "class": "hf-check" }, [box, el("label", { "for": box.id, text: f[lang] || f.it })]));
    });
    var count = el("p", { "class": "hf-hint", "data-hf-output": "features" });
    features.appendChild(count);
    ui.fieldset.appendChild(features);
    finish(ui, t, function () {
      var zone = data.zones.filter(function (z) { return z.code === select.value; })[0];
      districts.textContent = zone && zone.districts ? t.districts + zone.districts : "";
      var n = ui.form.querySelectorAll('input[name="feature"]:checked').length;
      count.textContent = t.featureCount + n;
      var v = values(ui.form, ["area"], t);
      var checked = function (key) { return ui.form.querySelector('input[data-hf-feature="' + key + '"]:checked') ? 1 : ""; };
      proposalLink(root, t, { area_m2: ui.form.querySelector('[data-hf-input="area"]').value.trim(),
        has_lift: checked("lift"), furnished: checked("furnished") });
      if (v.state !== "ok") { return message(ui.output, t, v.state); }
      var r = concordatoRange(v.values.area, zone ? zone.bands : [], n);
      if (r === null) { return message(ui.output, t, "noBand"); }
      ui.output.replaceChildren(el("dl", { "class": "hf-figures" }, [
        el("dt", { text: t.band }), el("dd", {}, [amount(r.band, r.band, "band")]),
        el("dt", { text: t.perMonth }), el("dd", {}, [t.from, amount(r.min_month, money(r.min_month, lang), "min_month"),
          t.to, amount(r.max_month, money(r.max_month, lang), "max_month")]),
        el("dt", { text: t.perYear }), el("dd", {}, [t.from, amount(r.min_year, money(r.min_year, lang), "min_year"),
          t.to, amount(r.max_year, money(r.max_year, lang), "max_year")])
      ]));
    });
  }

  function renderIncome(root, data, t, lang) {
    var ui = shell(root, t, t.incomeLegend);
    [["free_rent", t.freeRent, { step: "0.01" }], ["concordato_rent", t.concordatoRent, { step: "0.01" }],
      ["months_vacant", t.vacancy, { max: "12", step: "1", value: "0" }], ["imu_year", t.imu, { step: "0.01" }],
      ["arrears_months", t.arrears, { max: "12", step: "1", value: "0" }]].forEach(function (f) {
      ui.fieldset.appendChild(numberField(ui.id, f[0], f[1], f[2]));
    });
    finish(ui, t, function () {
      var v = values(ui.form, ["free_rent", "concordato_rent", "months_vacant", "imu_year", "arrears_months"], t);
      proposalLink(root, t, { monthly_rent: ui.form.querySelector('[data-hf-input="concordato_rent"]').value.trim() });
      if (v.state === "ok" && (v.values.months_vacant > 12)) { v.state = "invalid"; }
      if (v.state !== "ok") { return message(ui.output, t, v.state); }
      var x = v.values;
      var r = compareFreeVsConcordato(x.free_rent, x.concordato_rent, x.months_vacant, x.imu_year, data.figures,
        x.arrears_months);
      var regimes = ["free_market", "concordato"];
      var rows = [["months_let", 0], ["gross_rent", 1], ["flat_tax", -1], ["imu", -1], ["grant", 1],
        ["arrears_loss", -1], ["net_year", 1]];
      var tbody = el("tbody");
      rows.forEach(function (row) {
        var key = row[0];
        var label = key === "imu" ? t.imuRow : t[key];
        var cells = [el("th", { scope: "row", text: label })];
        regimes.forEach(function (reg) {
          var value = r[reg][key];
          var text = row[1] === 0 ? number(value, value % 1 ? 2 : 0, lang) : money(row[1] * value, lang);
          if (key === "flat_tax") { text += " (" + percent(r[reg].flat_tax_rate, lang) + ")"; }
          cells.push(el("td", {}, [amount(value, text, reg + "." + key)]));
        });
        tbody.appendChild(el("tr", key === "net_year" ? { "class": "hf-total" } : {}, cells));
      });
      var table = el("table", { "class": "hf-table" }, [
        el("thead", {}, [el("tr", {}, [el("th", { scope: "col", text: t.item }),
          el("th", { scope: "col", text: t.free_market }), el("th", { scope: "col", text: t.concordato })])]),
        tbody]);
      ui.output.replaceChildren(table,
        el("p", { "class": "hf-difference" }, [t.difference + ": ",
          el("strong", {}, [amount(r.difference, money(r.difference, lang), "difference")])]),
        el("p", { "class": "hf-hint", text: t.incomeNote }));
    });
  }

  function renderSustainability(root, data, t, lang) {
    var ui = shell(root, t, t.sustLegend);
    var threshold = figure(data.figures, "sustainability.threshold");
    [["monthly_rent", t.rent], ["service_charges", t.charges], ["monthly_income", t.income]].forEach(function (f) {
      ui.fieldset.appendChild(numberField(ui.id, f[0], f[1], { step: "0.01" }));
    });
    finish(ui, t, function () {
      var v = values(ui.form, ["monthly_rent", "service_charges", "monthly_income"], t);
      if (v.state !== "ok") { return message(ui.output, t, v.state); }
      var r = sustainability(v.values.monthly_rent, v.values.service_charges, v.values.monthly_income, threshold);
      ui.output.replaceChildren(el("dl", { "class": "hf-figures" }, [
        el("dt", { text: t.incidence }),
        el("dd", {}, [amount(r.incidence === null ? "" : r.incidence,
          r.incidence === null ? t.noIncome : percent(r.incidence, lang), "incidence")]),
        el("dd", {}, [amount(String(r.above_threshold), (r.above_threshold ? t.above : t.within) +
          percent(threshold, lang), "above_threshold")]),
        el("dt", { text: t.householdMax }), el("dd", {}, [amount(r.household_max, money(r.household_max, lang), "household_max")]),
        el("dt", { text: t.contribution }), el("dd", {}, [amount(r.contribution, money(r.contribution, lang), "contribution")])
      ]));
    });
  }

  var RENDERERS = { "concordato-range": renderRange, "landlord-income": renderIncome, "sustainability": renderSustainability };

  // -- wiring ----------------------------------------------------------------

  function dataUrl() {
    var root = document.documentElement.dataset.hfRoot;
    if (root) { return new URL(root.replace(/\/?$/, "/") + "assets/rent-data.json", document.baseURI).href; }
    var src = SCRIPT && SCRIPT.src;
    if (!src) {
      var found = document.querySelector('script[src*="calculators.js"]');
      src = found ? found.src : "";
    }
    return new URL(src ? "rent-data.json" : "assets/rent-data.json", src || document.baseURI).href;
  }

  var dataPromise = null;
  function loadData() {
    if (!dataPromise) {
      dataPromise = fetch(dataUrl(), { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      });
      dataPromise.catch(function () { dataPromise = null; });
    }
    return dataPromise;
  }

  function init() {
    var lang = /^en/i.test(document.documentElement.lang || "") ? "en" : "it";
    var t = TEXT[lang];
    var roots = Array.prototype.filter.call(document.querySelectorAll(".hf-calculator"), function (root) {
      return RENDERERS[root.dataset.calculator] && !root.dataset.hfReady;
    });
    if (!roots.length) { return; }
    roots.forEach(function (root) {
      root.dataset.hfReady = "loading";
      root.replaceChildren(el("p", { "class": "hf-hint", role: "status", text: t.loading }));
    });
    loadData().then(function (data) {
      data.zones = data.zones || [];
      data.figures = data.figures || {};
      roots.forEach(function (root) {
        RENDERERS[root.dataset.calculator](root, data, t, lang);
        root.dataset.hfReady = "true";
      });
    }, function () {
      roots.forEach(function (root) {
        root.replaceChildren(el("p", { "class": "hf-error", role: "alert", text: t.loadError }));
        root.dataset.hfReady = "error";
      });
    });
  }

  window.HFCalculators = {
    pickBand: pickBand, concordatoRange: concordatoRange, landlordIncome: landlordIncome,
    compareFreeVsConcordato: compareFreeVsConcordato, sustainability: sustainability,
    money: money, percent: percent, init: init
  };

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);  // Material for MkDocs, also with instant navigation
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
