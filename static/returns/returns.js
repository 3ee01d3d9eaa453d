/* Plausibility flags while typing on the annual return (年度報告).
   Progressive enhancement only: the server checks every value again, and the
   page works the same without JavaScript. Messages go to a polite live region. */
(function () {
  "use strict";

  var MINUS = /^[△▲−－ー‐―–—-]/;

  function normalise(text) {
    var s = String(text).replace(/[\u3000\s]/g, "");
    s = s.replace(/[０-９．，]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xfee0);
    });
    var negative = MINUS.test(s);
    if (negative) { s = s.slice(1); }
    s = s.replace(/,/g, "");
    if (s === "") { return null; }
    if (!/^(\d+(\.\d*)?|\.\d+)$/.test(s)) { return NaN; }
    var value = parseFloat(s);
    return negative ? -value : value;
  }

  function flags(input) {
    var value = normalise(input.value);
    var messages = [];
    if (value === null) { return messages; }
    if (isNaN(value)) {
      messages.push("数値として読めません。");
      return messages;
    }
    if (input.dataset.share && value !== Math.floor(value)) {
      messages.push("負担額は千円単位の整数です。");
    }
    if (value < 0) {
      messages.push(input.dataset.nonnegative ? "マイナスは入力できません。" : "マイナスの値です。");
    }
    if (input.dataset.percent && value > 100) {
      messages.push("100% を超えています。");
    }
    var last = input.dataset.last === "" ? null : parseFloat(input.dataset.last);
    var threshold = input.dataset.threshold === "" ? null : parseFloat(input.dataset.threshold);
    if (last !== null && last !== 0 && threshold !== null && value >= 0) {
      var change = (value - last) * 100 / Math.abs(last);
      if (Math.abs(change) > threshold) {
        messages.push("前年度から " + change.toFixed(1) + "% 変わっています（目安 ±" + threshold + "%）。");
      }
    }
    if (messages.length) {
      messages.push("このままでよければコメントに理由を書いてください。");
    }
    return messages;
  }

  function update(input) {
    var out = document.querySelector('[data-flag-for="' + input.id + '"]');
    if (!out) { return; }
    var messages = flags(input);
    out.textContent = messages.length ? "△ 確認：" + messages.join(" ") : "";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var inputs = document.querySelectorAll("input.num-input");
    Array.prototype.forEach.call(inputs, function (input) {
      var timer = null;
      input.addEventListener("input", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(function () { update(input); }, 500);
      });
      input.addEventListener("change", function () { update(input); });
    });
    var summary = document.getElementById("error-summary");
    if (summary) { summary.setAttribute("tabindex", "-1"); summary.focus(); }
  });
})();
