// The supervisor's desk: the print button of printable pages (no inline script under the CSP).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
