/* "Print this report" (dashboard/pages/agency_report.py): any control marked data-print opens the
   browser's print dialog. A file, not an inline script: the Content-Security-Policy allows none. */
document.addEventListener("click", function (event) {
  var target = event.target;
  var control = target && target.closest ? target.closest("[data-print]") : null;
  if (control) {
    event.preventDefault();
    window.print();
  }
});
