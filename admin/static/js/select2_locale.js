// Search-and-choose boxes (select2 3.x, bundled with Flask-Admin) in the page's language.
// Run at DOM ready: select2 is loaded after this file, and form.js applies it after this handler.
(function ($) {
  if (!$) { return; }
  $(function () {
    if (!$.fn.select2 || (document.documentElement.lang || 'it').slice(0, 2) === 'en') { return; }
    $.extend($.fn.select2.defaults, {
      formatNoMatches: function () { return 'Nessun risultato'; },
      formatInputTooShort: function (input, min) {
        var n = min - input.length;
        return 'Scrivi ancora ' + n + (n === 1 ? ' carattere' : ' caratteri');
      },
      formatInputTooLong: function (input, max) {
        var n = input.length - max;
        return 'Cancella ' + n + (n === 1 ? ' carattere' : ' caratteri');
      },
      formatSelectionTooBig: function (limit) { return 'Puoi scegliere al massimo ' + limit + ' voci'; },
      formatLoadMore: function () { return 'Altri risultati…'; },
      formatSearching: function () { return 'Ricerca…'; },
      formatAjaxError: function () { return 'Ricerca non riuscita'; }
    });
  });
})(window.jQuery);
