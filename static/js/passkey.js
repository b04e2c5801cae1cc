// Passkey set-up: when the browser's ceremony has registered the key, go back to the device list.
(function () {
  "use strict";
  document.addEventListener("otp_webauthn.register_complete", function () {
    var holder = document.querySelector("[data-passkey-done]");
    if (holder) window.location.assign(holder.getAttribute("data-passkey-done"));
  });
})();
