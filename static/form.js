// Move keyboard and screen-reader focus to the first field the server rejected.
document.addEventListener("DOMContentLoaded", function () {
  var first = document.querySelector("[aria-invalid='true']");
  if (first) { first.focus(); }
});
