// Keeps the dashboard's grid current without a reload: every 10 s (not while the tab is hidden) it
// asks the progress API and rewrites the cells that changed in place, with textContent only, so
// focus and scroll position stay where they were. A change is announced once, politely, as a
// count ("2 participants updated"), never cell by cell, so a screen reader is not flooded.
(function () {
  const grid = document.getElementById('grid');
  // A team leader's page has no progress URL (the API shows whole cohorts): it is not refreshed.
  if (!grid || !grid.dataset.progress) { return; }
  const url = grid.dataset.progress, zone = grid.dataset.zone;
  const live = document.getElementById('refresh-status');
  const headers = {'X-XSRFToken': grid.dataset.xsrf};
  const fmt = zone === 'UTC' ? null : zone;
  function when(iso) {
    if (!iso) { return ''; }
    const d = new Date(iso);
    if (isNaN(d)) { return iso; }
    const opts = {timeZone: fmt || 'UTC'};
    const day = new Intl.DateTimeFormat('en-GB', {...opts, day: 'numeric', month: 'short'}).format(d);
    const time = new Intl.DateTimeFormat('en-GB', {...opts, hour: '2-digit', minute: '2-digit', hourCycle: 'h23'}).format(d);
    const name = fmt ? (new Intl.DateTimeFormat('en-US', {...opts, timeZoneName: 'short'}).formatToParts(d)
      .find(p => p.type === 'timeZoneName') || {value: zone}).value : 'UTC';
    return day + ', ' + time + ' ' + name;
  }
  function level(a, total) {
    if (!total || !a) { return 0; }
    if (a >= total) { return 4; }
    return 1 + Math.min(2, Math.floor(3 * a / total));
  }
  function set(cell, text, cls, label) {
    let changed = false;
    if (cell.textContent !== text) { cell.textContent = text; changed = true; }
    if (cls !== undefined && cell.className !== cls) { cell.className = cls; changed = true; }
    if (label !== undefined && cell.getAttribute('aria-label') !== label) { cell.setAttribute('aria-label', label); }
    return changed;
  }
  function timeCell(cell, iso) {
    const text = when(iso);
    if (!text) { if (cell.textContent !== '—') { cell.replaceChildren(); const s = document.createElement('span');
      s.className = 'none'; s.textContent = '—'; cell.appendChild(s); return true; } return false; }
    return set(cell, text);
  }
  function update(data) {
    const rows = new Map();
    for (const tr of grid.tBodies[0].rows) { if (tr.dataset.user !== undefined) { rows.set(tr.dataset.user, tr); } }
    let changed = 0, sent = 0, online = 0, unread = 0, unanswered = 0;
    for (const p of data.participants || []) {
      const tr = rows.get(p.user);
      if (!tr) { continue; }  // someone new to the cohort: shown at the next reload
      let c = false;
      const cells = tr.cells;  // th, online, sessions…, feedback, sent, changed, seen
      const on = !!p.online; online += on;
      if ((cells[1].dataset.on === '1') !== on) {
        cells[1].dataset.on = on ? '1' : '0';
        cells[1].replaceChildren();
        if (on) {
          const dot = document.createElement('span'); dot.className = 'dot'; dot.setAttribute('aria-hidden', 'true');
          cells[1].append(dot, ' online');
        } else {
          const s = document.createElement('span'); s.className = 'none'; s.textContent = '—'; cells[1].appendChild(s);
        }
        c = true;
      }
      data.sessions.forEach(function (s, i) {
        const done = (p.sessions || {})[s.id];
        const cell = cells[2 + i];
        if (!done) { c = set(cell, '—', 's c0', s.short + ': nothing sent') || c; return; }
        c = set(cell, done.answered + '/' + s.total, 's c' + level(done.answered, s.total),
                s.short + ': ' + done.answered + ' of ' + s.total + ' answered') || c;
      });
      const n = 2 + data.sessions.length;
      if (p.last_submission) { sent += 1; }
      if (p.last_submission && p.last_submission !== tr.dataset.sent) { tr.dataset.sent = p.last_submission; c = true; }
      // feedback: items the participant has not read, and "new send" when they sent since the latest
      const fbs = (data.feedback || {})[p.user] || {};
      if (fbs.latest) { tr.dataset.feedback = fbs.latest; }
      const notRead = fbs.unread || 0;
      const isNew = !!p.last_submission && p.last_submission > (tr.dataset.feedback || '');
      unread += notRead; unanswered += isNew;
      const state = notRead + '|' + isNew;
      if (tr.dataset.fb !== state) {
        const fb = cells[n];
        fb.replaceChildren();
        if (notRead) { fb.append(notRead + ' unread'); }
        if (notRead && isNew) { fb.append('; '); }
        if (isNew) { const s = document.createElement('strong'); s.textContent = 'new send'; fb.appendChild(s); }
        if (!notRead && !isNew) { const s = document.createElement('span'); s.className = 'none'; s.textContent = '—'; fb.appendChild(s); }
        if (tr.dataset.fb !== undefined) { c = true; }
        tr.dataset.fb = state;
      }
      c = timeCell(cells[n + 1], p.last_submission) || c;
      c = timeCell(cells[n + 2], p.last_change) || c;
      timeCell(cells[n + 3], p.hub_last_activity);  // seen: changes all the time, not worth announcing
      if (c) { changed += 1; }
    }
    set(document.getElementById('count-sent'), String(sent));
    set(document.getElementById('count-online'), String(online));
    set(document.getElementById('count-unread'), String(unread));
    set(document.getElementById('count-unanswered'), String(unanswered));
    if (changed) {
      live.textContent = changed + ' participant' + (changed === 1 ? '' : 's') + ' updated at ' + when(new Date().toISOString()) + '.';
    }
  }
  let timer = null;
  function poll() {
    timer = null;
    if (document.hidden) { return; }  // resumed by visibilitychange
    fetch(url, {credentials: 'same-origin', headers: headers})
      .then(r => { if (!r.ok) { throw new Error(r.status === 401 || r.status === 403 ? 'signed out: reload the page' : r.statusText); }
                   return r.json(); })
      .then(update)
      .catch(e => { live.textContent = 'Could not refresh (' + e.message + '); retrying.'; })
      .finally(() => { if (!document.hidden && timer === null) { timer = setTimeout(poll, 10000); } });
  }
  document.addEventListener('visibilitychange', function () {
    if (!document.hidden && timer === null) { poll(); }
  });
  timer = setTimeout(poll, 10000);
})();
