// Focal point picker for the image admin: a click on the preview sets focal_x / focal_y.
// Loaded as a file (Content-Security-Policy allows no inline script); without JavaScript the
// two number fields still work.
(function () {
  "use strict";

  function setup(picker) {
    var form = picker.closest("form");
    var fieldX = form && form.querySelector("[name=focal_x]");
    var fieldY = form && form.querySelector("[name=focal_y]");
    var marker = picker.querySelector(".focal-marker");
    var picture = picker.querySelector("img");
    if (!fieldX || !fieldY || !marker || !picture) {
      return;
    }

    function clamp(value) {
      return Math.min(1, Math.max(0, value));
    }

    function showMarker() {
      var x = clamp(parseFloat(fieldX.value));
      var y = clamp(parseFloat(fieldY.value));
      if (isNaN(x) || isNaN(y)) {
        return;
      }
      marker.style.left = (x * 100) + "%";
      marker.style.top = (y * 100) + "%";
    }

    picture.addEventListener("click", function (event) {
      var box = picture.getBoundingClientRect();
      fieldX.value = clamp((event.clientX - box.left) / box.width).toFixed(3);
      fieldY.value = clamp((event.clientY - box.top) / box.height).toFixed(3);
      fieldX.dispatchEvent(new Event("change", { bubbles: true }));
      showMarker();
    });
    fieldX.addEventListener("input", showMarker);
    fieldY.addEventListener("input", showMarker);
    picker.classList.add("focal-picker--active");
    showMarker();
  }

  function init() {
    document.querySelectorAll("[data-focal-picker]").forEach(setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
