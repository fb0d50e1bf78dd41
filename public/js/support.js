// Ticket form: the copyright notice fields only matter for a copyright complaint.
(function () {
  const category = document.getElementById('ticket-category');
  const fields = document.getElementById('copyright-fields');
  if (!category || !fields) return;
  const sync = () => { fields.hidden = category.value !== 'copyright'; };
  category.addEventListener('change', sync);
  sync();
})();
