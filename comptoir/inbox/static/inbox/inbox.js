// Inbox keyboard shortcuts, selection and saved replies: j/k move, x select, o open, e done, a assign to me,
// l label, r reply, / search, ? help. Plain DOM, no library; every action submits one of the page's forms.
(function () {
  "use strict";

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("tr[data-conversation]"));
  }

  function current() {
    return document.querySelector("tr[data-conversation].current");
  }

  function move(step) {
    var all = rows();
    if (!all.length) return;
    var index = all.indexOf(current());
    var next = all[Math.min(Math.max(index + step, 0), all.length - 1)];
    if (index === -1) next = all[0];
    all.forEach(function (row) { row.classList.remove("current"); row.removeAttribute("aria-current"); });
    next.classList.add("current");
    next.setAttribute("aria-current", "true");
    next.scrollIntoView({ block: "nearest" });
  }

  function checkbox(row) {
    return row ? row.querySelector("input[name=ids]") : null;
  }

  function updateCount() {
    var counter = document.querySelector(".bulk-count");
    if (!counter) return;
    var count = document.querySelectorAll("input[name=ids]:checked").length;
    counter.textContent = count ? count + " ✓" : "";
  }

  // Only the values of the chosen action stay selectable in the bulk bar.
  function syncBulkValues() {
    var action = document.getElementById("bulk-action");
    var value = document.getElementById("bulk-value");
    if (!action || !value) return;
    var firstEnabled = null;
    Array.prototype.forEach.call(value.querySelectorAll("optgroup"), function (group) {
      var enabled = group.getAttribute("data-action").split(" ").indexOf(action.value) !== -1;
      group.hidden = !enabled;
      group.disabled = !enabled;
      if (enabled && !firstEnabled) firstEnabled = group.querySelector("option");
    });
    var selected = value.options[value.selectedIndex];
    if ((!selected || selected.parentNode.disabled) && firstEnabled) firstEnabled.selected = true;
  }

  // Applies a bulk action to the highlighted row alone (unless rows are already selected).
  function bulkOnCurrent(action, value) {
    var form = document.getElementById("bulk-form");
    var box = checkbox(current());
    if (!form || (!box && !document.querySelector("input[name=ids]:checked"))) return false;
    if (box && !document.querySelector("input[name=ids]:checked")) box.checked = true;
    document.getElementById("bulk-action").value = action;
    syncBulkValues();
    if (value !== null) {
      document.getElementById("bulk-value").value = value;
      form.submit();
    } else {
      document.getElementById("bulk-value").focus();
    }
    return true;
  }

  function submitForm(id) {
    var form = document.getElementById(id);
    if (form) form.submit();
    return Boolean(form);
  }

  function focusReply() {
    var details = document.querySelector("[data-testid=messages] details");
    if (!details) return false;
    details.open = true;
    var area = details.querySelector("textarea");
    if (area) area.focus();
    return true;
  }

  function toggleHelp() {
    var dialog = document.getElementById("shortcuts-help");
    if (!dialog) return;
    if (dialog.open) dialog.close(); else dialog.showModal();
  }

  function typing(target) {
    var tag = target.tagName;
    return target.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var inList = Boolean(document.getElementById("conversations"));
    var handled = true;
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "x": { var box = checkbox(current()); if (box) { box.checked = !box.checked; updateCount(); } break; }
      case "o": case "Enter": { var row = current(); if (row) window.location.href = row.getAttribute("data-href"); else handled = false; break; }
      case "e": handled = inList ? bulkOnCurrent("status", "done") : submitForm("quick-done"); break;
      case "a": handled = inList ? bulkOnCurrent("assign", "me") : submitForm("quick-assign-me"); break;
      case "l": {
        if (inList) { handled = bulkOnCurrent("label", null); }
        else { var select = document.getElementById("add-label"); if (select) select.focus(); else handled = false; }
        break;
      }
      case "r": handled = focusReply(); break;
      case "/": { var search = document.querySelector("input[name=q]"); if (search) search.focus(); else handled = false; break; }
      case "?": toggleHelp(); break;
      default: handled = false;
    }
    if (handled) event.preventDefault();
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.id === "select-all") {
      document.querySelectorAll("input[name=ids]").forEach(function (box) { box.checked = target.checked; });
      updateCount();
    } else if (target.name === "ids") {
      updateCount();
    } else if (target.id === "bulk-action") {
      syncBulkValues();
    } else if (target.classList.contains("saved-reply-picker")) {
      // The text was filled on the server (variables and all); it is inserted where the cursor stands.
      var option = target.options[target.selectedIndex];
      var area = document.getElementById(target.getAttribute("data-target"));
      if (option && option.value && area) {
        var text = option.getAttribute("data-text");
        var at = area.selectionStart || area.value.length;
        area.value = area.value.slice(0, at) + text + area.value.slice(area.selectionEnd || at);
        area.focus();
      }
      target.value = "";
    }
  });

  document.addEventListener("DOMContentLoaded", syncBulkValues);
  if (document.readyState !== "loading") syncBulkValues();
})();
