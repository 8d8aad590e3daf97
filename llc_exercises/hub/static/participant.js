// One participant's page: sends each worksheet's feedback box to the API and shows what was sent.
// Every piece of text (the feedback, author, messages) is set with textContent, never as markup.
(function () {
  const main = document.getElementById('participant');
  const status = document.getElementById('fb-status');
  const user = main.dataset.user;
  const zone = main.dataset.timezone || 'UTC';

  // '12 Jan 2027, 16:04 CST', as the server writes times: in the cohort's zone, labelled with it.
  function when(iso) {
    const d = new Date(iso);
    if (isNaN(d)) { return iso; }
    const parts = {};
    try {
      for (const p of new Intl.DateTimeFormat('en-US', {timeZone: zone, day: 'numeric', month: 'short',
          year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short'})
          .formatToParts(d)) { parts[p.type] = p.value; }
    } catch (e) { return iso; }
    return parts.day + ' ' + parts.month + ' ' + parts.year + ', ' + parts.hour + ':' + parts.minute + ' ' +
      parts.timeZoneName;
  }

  function item(f) {
    const li = document.createElement('li');
    li.className = 'fb-item';
    const meta = document.createElement('p');
    meta.className = 'fb-meta';
    const author = document.createElement('span');
    author.className = 'fb-author';
    author.textContent = main.dataset.author;
    const time = document.createElement('time');
    time.dateTime = f.written;
    time.textContent = when(f.written);
    const unread = document.createElement('span');
    unread.className = 'fb-unread';
    unread.textContent = 'not read yet';
    meta.append(author, ', ', time, ' · ', unread);
    const text = document.createElement('div');
    text.className = 'fb-text';
    text.textContent = f.text;
    li.append(meta, text);
    return li;
  }

  function send(form) {
    const box = form.querySelector('textarea');
    const button = form.querySelector('button');
    const error = form.querySelector('.fb-error');
    const panel = form.closest('.feedback');
    const title = panel.querySelector('h4').textContent;
    const text = box.value;
    error.textContent = '';
    if (!text.trim()) {
      error.textContent = 'Write the feedback first: the box is empty.';
      box.focus();
      return;
    }
    button.disabled = true;
    status.textContent = 'Sending…';
    fetch('api/feedback/' + encodeURIComponent(user), {
      method: 'POST', credentials: 'same-origin',
      // HubOAuth takes the sign-in cookie on a POST only with this page's xsrf token.
      headers: {'X-XSRFToken': main.dataset.xsrf, 'Content-Type': 'application/json'},
      body: JSON.stringify({worksheet: form.dataset.worksheet, text: text})})
      .then(r => r.json().catch(() => ({})).then(j => {
        if (!r.ok) {
          throw new Error(j.error || (r.status === 401 || r.status === 403
            ? 'your sign-in has expired or you may not answer this participant; reload the page'
            : r.status + ' ' + r.statusText));
        }
        return j;
      }))
      .then(f => {
        const list = panel.querySelector('.fb-items');
        const none = panel.querySelector('.fb-none');
        if (none) { none.remove(); }
        list.hidden = false;
        list.prepend(item({written: f.written, text: f.text}));
        box.value = '';  // sent and shown above: nothing typed is lost
        status.textContent = 'Feedback sent: ' + title + '.';
      })
      .catch(e => {
        // The typed text stays in the box, to correct or send again.
        error.textContent = 'Not sent: ' + e.message;
        status.textContent = 'Feedback not sent: ' + e.message;
      })
      .finally(() => { button.disabled = false; });
  }

  for (const form of document.querySelectorAll('form.fb-form')) {
    form.addEventListener('submit', function (ev) { ev.preventDefault(); send(form); });
  }
})();
