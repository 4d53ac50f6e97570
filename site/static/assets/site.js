/* Public site: small accessibility fixes on top of the theme. Plain JavaScript, no dependency.
   A table wider than the screen scrolls inside the theme's frame (.md-typeset__scrollwrap): the frame
   is then made focusable and named, so that a keyboard can scroll it (WCAG 2.1.1, axe-core
   scrollable-region-focusable); it gives the focus back when the table fits again. */
(function () {
  "use strict";
  var NAME = { it: "Tabella scorrevole", en: "Scrollable table" };

  function label(frame, lang) {
    var caption = frame.querySelector("caption");
    var heading = frame.previousElementSibling;
    while (heading && !/^H[1-6]$/.test(heading.tagName)) { heading = heading.previousElementSibling; }
    var text = caption ? caption.textContent : heading ? heading.textContent : "";
    return NAME[lang] + (text.trim() ? ": " + text.replace(/¶/g, "").trim() : "");
  }

  function scrollableFrames() {
    var lang = /^en/i.test(document.documentElement.lang || "") ? "en" : "it";
    Array.prototype.forEach.call(document.querySelectorAll(".md-typeset__scrollwrap"), function (frame) {
      if (frame.scrollWidth > frame.clientWidth + 1) {
        if (!frame.hasAttribute("tabindex")) {
          frame.setAttribute("tabindex", "0");
          frame.setAttribute("role", "region");
          frame.setAttribute("aria-label", label(frame, lang));
        }
      } else if (frame.hasAttribute("tabindex")) {
        frame.removeAttribute("tabindex");
        frame.removeAttribute("role");
        frame.removeAttribute("aria-label");
      }
    });
  }

  var pending = null;
  function later() {
    if (pending === null) {
      pending = window.requestAnimationFrame(function () { pending = null; scrollableFrames(); });
    }
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(later);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", later);
  } else {
    later();
  }
  window.addEventListener("load", scrollableFrames);
  window.addEventListener("resize", later);
}());
