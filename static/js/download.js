// The recipient's download page: once the access code is accepted, start the download
// at once. Without this script the page says the same and the button does it.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form[data-autostart]");
  if (form) {
    form.submit();
  }
});
