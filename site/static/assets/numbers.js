/* Numbers as people type them, the reading of housing/amounts.py: "75,5" and "1.234,50" (Italian),
   "75.5" and "1,234.50" (a dot, as spreadsheets and habits give it), "1.234.567" (dots that can only
   group thousands). HFNumbers.parse(text) gives the number, null when the text is empty, NaN when it
   reads as no number (the caller warns: a typed "75,5" must never become 755). */
(function () {
  "use strict";
  var GROUPED_DOTS = /^\d{1,3}(\.\d{3}){2,}$/;
  var NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)$/;

  function parse(text) {
    if (text === null || text === undefined) { return null; }
    var cleaned = String(text).trim().replace(/€/g, "").replace(/[\s\u00a0\u202f]/g, "");
    if (cleaned === "") { return null; }
    var comma = cleaned.lastIndexOf(","), dot = cleaned.lastIndexOf(".");
    if (comma >= 0 && dot >= 0) {
      var decimal = comma > dot ? "," : ".", group = comma > dot ? "." : ",";
      cleaned = cleaned.split(group).join("").replace(decimal, ".");
    } else if (comma >= 0) {
      if (cleaned.indexOf(",") !== comma) { return NaN; }
      cleaned = cleaned.replace(",", ".");
    } else if (GROUPED_DOTS.test(cleaned.replace(/^[+-]/, ""))) {
      cleaned = cleaned.split(".").join("");
    }
    return NUMBER.test(cleaned) ? Number(cleaned) : NaN;
  }

  window.HFNumbers = { parse: parse };
}());
