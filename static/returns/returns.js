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

  function number(text) {
    return text === "" || text === undefined ? null : parseFloat(text);
  }

  /* The same checks as returns.annual.plausibility: errors the server refuses whatever the
     comment says, warnings that a comment keeps. Only warnings invite a comment. */
  function checks(input) {
    var value = normalise(input.value);
    var result = { errors: [], warnings: [] };
    if (value === null) { return result; }
    if (isNaN(value)) {
      result.errors.push("数値として読めません。");
      return result;
    }
    var d = input.dataset;
    if (d.share && value !== Math.floor(value)) {
      result.errors.push("負担額は千円単位の整数で入力してください（小数は使えません）。");
    }
    if (value < 0) {
      if (d.nonnegative) {
        result.errors.push("マイナスは入力できません。");
      } else {
        result.warnings.push("マイナスの値です。");
      }
    }
    if (d.whole && value !== Math.floor(value)) {
      result.errors.push("「" + d.whole + "」で数える指標は整数で入力してください（小数は使えません）。");
    }
    if (d.percent && value > 100) {
      result.warnings.push("100% を超えています。");
    }
    var high = number(d.high);
    var low = number(d.low);
    if (value >= 0 && high !== null && value > high) {
      result.warnings.push("大きく離れた値です（" + d.highNote + "）。");
    } else if (value >= 0 && low !== null && value < low) {
      result.warnings.push("大きく離れた値です（" + d.lowNote + "）。");
    }
    return result;
  }

  function line(className, symbol, text) {
    var p = document.createElement("p");
    p.className = className;
    var mark = document.createElement("span");
    mark.setAttribute("aria-hidden", "true");
    mark.textContent = symbol;
    p.appendChild(mark);
    p.appendChild(document.createTextNode(" " + text));
    return p;
  }

  function update(input) {
    var out = document.querySelector('[data-flag-for="' + input.id + '"]');
    if (!out) { return; }
    var result = checks(input);
    out.textContent = "";
    if (result.errors.length) {
      // Refused whatever the comment says: say so, and invite no comment.
      result.errors.forEach(function (message) { out.appendChild(line("row-error", "✖", message)); });
    } else if (result.warnings.length) {
      out.appendChild(line("row-warning", "△",
        "確認：" + result.warnings.join(" ") + " このままでよければコメントに理由を書いてください。"));
    }
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
