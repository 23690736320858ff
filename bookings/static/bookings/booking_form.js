/* The booking form as staff type into it.
 * - The boat list offers only the chosen brand's boats (each option carries data-brand).
 * - The money breakdown follows the amounts and the crew rows, computed by the server's finance
 *   code (POST the form to breakdown/), never by a copy of the arithmetic here.
 */
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  function boatsFollowBrand(form) {
    var brand = form.querySelector("#id_tenant");
    var boat = form.querySelector("#id_boat");
    if (!brand || !boat) { return; }
    function apply() {
      var chosen = brand.value;
      Array.prototype.forEach.call(boat.options, function (option) {
        var mine = !option.value || !chosen || option.getAttribute("data-brand") === chosen;
        option.hidden = !mine;
        option.disabled = !mine;
      });
      var selected = boat.options[boat.selectedIndex];
      if (selected && selected.disabled) { boat.value = ""; }
    }
    brand.addEventListener("change", apply);
    apply();
  }

  function liveMoney(form) {
    var panel = document.getElementById("money-breakdown");
    if (!panel) { return; }
    var url = window.location.pathname.replace(/(add|\d+\/change)\/$/, "breakdown/");
    var timer = null;
    var sent = 0;
    function refresh() {
      var ticket = ++sent;
      fetch(url, { method: "POST", body: new FormData(form), credentials: "same-origin",
                   headers: { "X-Requested-With": "fetch" } })
        .then(function (response) { return response.json().then(function (data) { return [response.ok, data]; }); })
        .then(function (result) {
          if (ticket !== sent) { return; } // an older answer arriving late
          if (result[0]) { panel.innerHTML = result[1].html; panel.classList.remove("stale"); }
          else { panel.classList.add("stale"); }
        })
        .catch(function () { panel.classList.add("stale"); });
    }
    function later(event) {
      var name = (event.target && event.target.name) || "";
      if (!/^(gross_amount|platform_fee|port_tax_rate|platform_pays_captain|assignments-)/.test(name)) { return; }
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 250);
    }
    form.addEventListener("input", later);
    form.addEventListener("change", later);
  }

  onReady(function () {
    var form = document.getElementById("booking_form");
    if (!form) { return; }
    boatsFollowBrand(form);
    liveMoney(form);
  });
})();
