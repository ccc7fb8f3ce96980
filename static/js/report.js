// Printable report: the print button (no inline handlers, so the page works under the CSP).
document.querySelector('[data-action="print"]')?.addEventListener('click', () => window.print());
