// Polls the build status; every piece of participant text is set with textContent.
(function () {
  const button = document.getElementById('build');
  const bar = document.getElementById('build-progress');
  const status = document.getElementById('build-status');
  const files = document.getElementById('build-files');
  const all = document.getElementById('build-all');
  function show(b) {
    if (!b || !b.id) { return; }
    bar.hidden = false; bar.max = Math.max(1, b.total); bar.value = b.done;
    status.textContent = b.message;
    button.disabled = !b.finished;
    files.replaceChildren();
    for (const f of b.files || []) {
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.href = f.url; a.textContent = f.label; li.appendChild(a); files.appendChild(li);
    }
    if (all) { all.hidden = !b.all_pdfs; if (b.all_pdfs) { all.querySelector('a').href = b.all_pdfs; } }
    for (const e of b.errors || []) {
      const li = document.createElement('li');
      li.className = 'bad'; li.textContent = e; files.appendChild(li);
    }
    if (!b.finished) { setTimeout(poll, 1000); }
  }
  // JupyterHub checks the xsrf token on every script-initiated request, GET included.
  const headers = {'X-XSRFToken': button.dataset.xsrf};
  const query = button.dataset.query || '';  // ?cohort=<id>: this cohort's build
  function poll() {
    fetch('api/builds/latest' + query, {credentials: 'same-origin', headers: headers})
      .then(r => { if (!r.ok) { throw new Error(r.status === 401 ? 'signed out: reload the page' : r.statusText); }
                   return r.json(); })
      .then(show)
      .catch(e => { status.textContent = 'Lost contact with the service (' + e.message + '); retrying…';
                    setTimeout(poll, 3000); });
  }
  button.addEventListener('click', function () {
    button.disabled = true; status.textContent = 'Starting the build…';
    fetch('api/builds' + query, {method: 'POST', credentials: 'same-origin', headers: headers})
      .then(r => r.json().then(j => { if (!r.ok) { throw new Error(j.error || r.statusText); } return j; }))
      .then(show)
      .catch(e => { status.textContent = 'Could not start the build: ' + e.message; button.disabled = false; });
  });
  poll();
})();
