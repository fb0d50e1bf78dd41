// Admin desk: actions that move money or take a work down ask once before they go.
(function () {
  for (const form of document.querySelectorAll('form.js-admin-actions')) {
    form.addEventListener('submit', (event) => {
      const button = event.submitter || form.querySelector('[data-confirm]');
      const question = button && button.getAttribute('data-confirm');
      if (question && !window.confirm(question)) event.preventDefault();
    });
  }
})();
