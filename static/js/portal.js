// The page has scripts: the phone layout folds the menu behind its button.
document.documentElement.classList.add("js");
document.addEventListener("click", function (event) {
  var toggle = event.target.closest && event.target.closest(".menu-toggle");
  if (!toggle) return;
  var menu = document.getElementById(toggle.getAttribute("aria-controls"));
  if (!menu) return;
  var open = menu.classList.toggle("open");
  toggle.setAttribute("aria-expanded", open ? "true" : "false");
});

// Small behaviours of the portal; no inline script anywhere (CSP).
(function () {
  "use strict";

  // Language select submits its form on change.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]")) el.form.submit();
  });

  // Copy to clipboard: <button data-copy-from="#id"> copies that field's text.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy-from]");
    if (!button) return;
    event.preventDefault();
    var source = document.querySelector(button.getAttribute("data-copy-from"));
    if (!source) return;
    var text = "value" in source ? source.value : source.textContent;
    var done = function () {
      var status = document.querySelector(button.getAttribute("data-copy-status") || "#copy-status");
      if (status) status.textContent = button.getAttribute("data-copied-label") || "Copied";
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done);
    } else {
      source.select && source.select();
      document.execCommand("copy");
      done();
    }
  });

  // Dialogs: <button data-dialog-open="#id">, <button data-dialog-close>.
  document.addEventListener("click", function (event) {
    var opener = event.target.closest && event.target.closest("[data-dialog-open]");
    if (opener) {
      var dialog = document.querySelector(opener.getAttribute("data-dialog-open"));
      if (dialog && dialog.showModal) {
        event.preventDefault();
        dialog.showModal();
        // The safe choice has the focus: Enter never confirms a destructive action.
        var safe = dialog.querySelector("[data-dialog-close]");
        if (safe) safe.focus();
      }
      return;
    }
    var closer = event.target.closest && event.target.closest("[data-dialog-close]");
    if (closer) {
      var dlg = closer.closest("dialog");
      if (dlg) { event.preventDefault(); dlg.close(); }
    }
  });

  // Confirmation of a form that carries data-confirm="question": a modal dialog whose
  // safe choice has the focus (data-confirm-keep, else the page's Cancel label) and whose
  // confirming button names the action (data-confirm-action, else the submit button's text).
  var confirmCount = 0;
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (!message) return;
    if (form.getAttribute("data-confirmed") === "1") { form.removeAttribute("data-confirmed"); return; }
    event.preventDefault();
    var submitter = event.submitter || form.querySelector("[type=submit]");
    if (!window.HTMLDialogElement) { if (window.confirm(message)) { form.setAttribute("data-confirmed", "1"); form.requestSubmit(submitter); } return; }
    var id = "confirm-dialog-" + (++confirmCount);
    var dialog = document.createElement("dialog");
    dialog.setAttribute("aria-labelledby", id);
    var text = document.createElement("p");
    text.id = id;
    text.textContent = message;
    var actions = document.createElement("div");
    actions.className = "actions";
    var keep = document.createElement("button");
    keep.type = "button";
    keep.className = "button";
    keep.textContent = form.getAttribute("data-confirm-keep") || document.body.getAttribute("data-cancel-label") || "Cancel";
    var go = document.createElement("button");
    go.type = "button";
    go.className = "button danger";
    go.textContent = form.getAttribute("data-confirm-action") || (submitter && submitter.textContent.trim()) || "OK";
    actions.appendChild(keep);
    actions.appendChild(go);
    dialog.appendChild(text);
    dialog.appendChild(actions);
    dialog.addEventListener("close", function () {
      dialog.remove();
      if (dialog.returnValue !== "go" && submitter) submitter.focus();
    });
    keep.addEventListener("click", function () { dialog.close("keep"); });
    go.addEventListener("click", function () {
      dialog.close("go");
      form.setAttribute("data-confirmed", "1");
      form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    keep.focus();
  });
})();

// Open in email: <a data-mailto-to data-mailto-subject="#id" data-mailto-body="#id"> rebuilds
// its mailto: link from the fields as edited (the server renders the same link initially).
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("a[data-mailto-to]");
  if (!link) return;
  var subject = document.querySelector(link.getAttribute("data-mailto-subject"));
  var body = document.querySelector(link.getAttribute("data-mailto-body"));
  if (!subject || !body) return;
  link.href = "mailto:" + encodeURIComponent(link.getAttribute("data-mailto-to")).replace("%40", "@") +
    "?subject=" + encodeURIComponent(subject.value) +
    "&body=" + encodeURIComponent(body.value.replace(/\r?\n/g, "\r\n"));
});
// Customers: a row's down-arrow loads its details once (htmx), then only shows or hides them.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-expand-row]");
    if (!button) return;
    var open = button.getAttribute("aria-expanded") === "true";
    button.setAttribute("aria-expanded", open ? "false" : "true");
    var row = button.closest("tr").nextElementSibling;
    if (row && row.hasAttribute("data-loaded")) row.hidden = open;
  });

  // A form marked data-submit-once disables its buttons once sent (the server is idempotent anyway).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-submit-once") || event.defaultPrevented) return;
    setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    }, 0);
  });
})();

// A form that failed: its error summary receives the focus (on load and after an htmx swap),
// and a link of the summary moves the focus to its field.
(function () {
  function focusSummary(root) {
    var summary = (root || document).querySelector(".error-summary");
    if (summary) summary.focus();
  }
  document.addEventListener("DOMContentLoaded", function () { focusSummary(document); });
  document.addEventListener("htmx:afterSettle", function (event) { focusSummary(event.target); });
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".error-summary a[href^='#']");
    if (!link) return;
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (field) { event.preventDefault(); field.focus(); field.scrollIntoView({ block: "center" }); }
  });
})();
