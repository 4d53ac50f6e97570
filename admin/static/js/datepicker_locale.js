/* The date picker of Flask-Admin's forms and filters (daterangepicker 1.3) in
 * the page's language, and never over the form's buttons.
 *
 * Flask-Admin's form.js creates the pickers with its own options and no
 * locale, so they spoke English ("Su Mo", "Dec") and always opened downwards,
 * covering "Salva" under the last date field. This file wraps the jQuery
 * plugin before form.js uses it (on its "adminFormReady" event, fired once
 * daterangepicker.js is loaded): the language's names are merged into every
 * picker's options, and a picker that would cover one of its form's buttons,
 * or run off the bottom of the window, opens upwards when there is room.
 * The language is the page's (<html lang="it|en">); no inline script (CSP).
 */
(function ($) {
  'use strict';
  if (!$) { return; }

  // Names as in the CLDR (through Babel elsewhere in the back office), Monday first.
  var LOCALES = {
    it: {
      daysOfWeek: ['Do', 'Lu', 'Ma', 'Me', 'Gi', 'Ve', 'Sa'],
      monthNames: ['Gen', 'Feb', 'Mar', 'Apr', 'Mag', 'Giu', 'Lug', 'Ago', 'Set', 'Ott', 'Nov', 'Dic'],
      firstDay: 1,
      applyLabel: 'Applica',
      cancelLabel: 'Annulla',
      fromLabel: 'Dal',
      toLabel: 'Al',
      weekLabel: 'Sett.',
      customRangeLabel: 'Intervallo a scelta'
    },
    en: {
      daysOfWeek: ['Su', 'Mo', 'Tu', 'We', 'Th', 'Fr', 'Sa'],
      monthNames: ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'],
      firstDay: 1,
      applyLabel: 'Apply',
      cancelLabel: 'Cancel',
      fromLabel: 'From',
      toLabel: 'To',
      weekLabel: 'W',
      customRangeLabel: 'Custom range'
    }
  };

  function language() {
    var lang = (document.documentElement.getAttribute('lang') || 'it').slice(0, 2).toLowerCase();
    return LOCALES[lang] ? lang : 'it';
  }

  function overlaps(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }

  // Opens the picker upwards when, opened downwards, it would cover one of its
  // form's buttons or leave the window, and there is room above the field.
  function placeAwayFromButtons(picker) {
    var field = picker.element[0].getBoundingClientRect();
    var height = picker.container.outerHeight();
    var width = picker.container.outerWidth();
    var box = picker.container[0].getBoundingClientRect();
    var below = {left: box.left, right: box.left + width, top: field.bottom, bottom: field.bottom + height};
    var buttons = picker.element.closest('form').find(':submit, .btn').filter(':visible').toArray();
    var covers = buttons.some(function (button) { return overlaps(below, button.getBoundingClientRect()); });
    var leaves = below.bottom > window.innerHeight;
    var up = (covers || leaves) && field.top >= height;
    var drops = up ? 'up' : 'down';
    if (picker.drops !== drops) {
      picker.drops = drops;
      picker.move();
    }
  }

  function wrap() {
    var original = $.fn.daterangepicker;
    if (!original || original.housingLocale) { return; }
    var wrapped = function (options, callback) {
      var merged = $.extend(true, {locale: LOCALES[language()]}, options || {});
      var result = original.call(this, merged, callback);
      this.each(function () {
        var $el = $(this);
        $el.off('show.daterangepicker.housing').on('show.daterangepicker.housing', function () {
          var picker = $el.data('daterangepicker');
          if (picker) { placeAwayFromButtons(picker); }
        });
      });
      return result;
    };
    wrapped.housingLocale = true;
    $.fn.daterangepicker = wrapped;
  }

  $(document).on('adminFormReady', wrap);
  $(wrap);  // pages where the plugin was loaded before this file
})(window.jQuery);
