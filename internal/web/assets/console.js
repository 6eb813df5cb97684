// The console's one script, loaded from the platform itself (the
// Content-Security-Policy allows no other): it moves the keyboard focus to
// the first field with an error, so that a screen reader reads it at once.
document.addEventListener("DOMContentLoaded", function () {
  var bad = document.querySelector("[aria-invalid=true]");
  if (bad) { bad.focus(); return; }
  var alert = document.getElementById("page-error");
  if (alert) { document.getElementById("main").focus(); }
});
