// Ticket form: the copyright notice fields only matter for a copyright complaint, and there the
// proof of the right is required (the server says so too).
(function () {
  const category = document.getElementById('ticket-category');
  const fields = document.getElementById('copyright-fields');
  const evidence = document.getElementById('ticket-evidence');
  if (!category || !fields) return;
  const sync = () => {
    const copyright = category.value === 'copyright';
    fields.hidden = !copyright;
    if (evidence) evidence.required = copyright;
  };
  category.addEventListener('change', sync);
  sync();
})();
