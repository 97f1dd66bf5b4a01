// huddlebot sandbox chat: a small Slack-like client for /sandbox/api/.
// Vanilla JS, no build step. Everything it does goes through the documented
// JSON API, so the page is also a live example of it.
'use strict';
(() => {
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

  // ---- state ---------------------------------------------------------------

  const S = {
    people: [],
    me: '', // sandbox user id of the person we act as
    channel: 'dm', // "dm" or "#name"
    channels: [],
    extraChannels: new Set(), // opened here but not created yet (created on first command)
    msgs: [], // every message visible to me, all channels
    loaded: '', // "me|channel" once the pane shows that conversation
    eph: new Map(), // "me|channel" → ephemeral replies [{seq, anchor, cmd, text, card, error}]
    seq: 0,
    lastSeen: new Map(), // "me|channel" → highest message id seen
    seenInit: new Set(), // people whose lastSeen was initialised
    clockOffset: 0, // simulated now − Date.now(), ms
    clockKnown: false,
    clockBusy: false,
    sending: false,
    online: true,
    history: loadHistory(),
    histPos: -1,
    draft: '',
    hintIndex: 0,
    hintItems: [],
    formCtx: null,
    peopleSig: '',
    channelsSig: '',
  };

  const POLL_MS = 2000;

  // ---- API -----------------------------------------------------------------

  async function api(method, path, body) {
    let res;
    try {
      res = await fetch('/sandbox/api/' + path, {
        method,
        headers: body ? { 'Content-Type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
        cache: 'no-store',
      });
    } catch (e) {
      throw new Error('Cannot reach huddlebot — is huddlebot serve still running?');
    }
    let data = null;
    try {
      data = await res.json();
    } catch (e) {
      /* not JSON */
    }
    if (!res.ok) {
      throw new Error((data && data.error) || `The server answered ${res.status} ${res.statusText}`);
    }
    return data;
  }

  // ---- small DOM helpers ---------------------------------------------------

  // h builds an element: h('button', {class: 'x', dataset: {a: 1}, onclick}, child…)
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'html') el.innerHTML = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  // Markdown → safe HTML lives in markdown.js (tested on its own).
  const { plain, inline, md } = hbMarkdown;

  // ---- formatting ----------------------------------------------------------

  function person(id) {
    return S.people.find((p) => p.id === id);
  }

  // word returns the chat pane's own word k (Person.words) in the language
  // the bot speaks to the shown person, or the English fallback.
  function word(k, fallback) {
    const p = person(S.me);
    return (p && p.words && p.words[k]) || fallback;
  }

  function tz() {
    const p = person(S.me);
    const zone = (p && p.timezone) || 'UTC';
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return zone;
    } catch (e) {
      return 'UTC';
    }
  }

  function parts(date, opts) {
    const o = {};
    for (const p of new Intl.DateTimeFormat('en-GB', { timeZone: tz(), hourCycle: 'h23', ...opts }).formatToParts(date)) {
      o[p.type] = p.value;
    }
    return o;
  }

  function fmtClock(d) {
    const p = parts(d, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
    return `${p.weekday} ${p.day} ${p.month} ${p.year}, ${p.hour}:${p.minute}`;
  }
  function fmtShort(d) {
    const p = parts(d, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
    return `${p.weekday} ${p.day} ${p.month}, ${p.hour}:${p.minute}`;
  }
  function fmtTime(d) {
    const p = parts(d, { hour: '2-digit', minute: '2-digit' });
    return `${p.hour}:${p.minute}`;
  }
  function dayKey(d) {
    const p = parts(d, { year: 'numeric', month: '2-digit', day: '2-digit' });
    return `${p.year}-${p.month}-${p.day}`;
  }
  function fmtDay(d) {
    const lang = word('lang', 'en');
    if (lang !== 'en') {
      // A day separator in the person's language ("domingo, 6 de diciembre de 2026").
      return new Intl.DateTimeFormat(lang, { timeZone: tz(), weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(d);
    }
    const p = parts(d, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
    return `${p.weekday}, ${p.day} ${p.month} ${p.year}`;
  }
  const simNow = () => new Date(Date.now() + S.clockOffset);

  function initials(name) {
    const words = String(name || '?')
      .replace(/^(dr|mr|mrs|ms)\.?\s+/i, '')
      .split(/\s+/)
      .filter(Boolean);
    return ((words[0] || '?')[0] + (words.length > 1 ? words[words.length - 1][0] : '')).toUpperCase();
  }
  function hue(s) {
    let x = 0;
    for (const c of String(s)) x = (x * 31 + c.codePointAt(0)) % 360;
    return x;
  }
  function avatar(p, cls = '') {
    return h('span', { class: `avatar ${cls}`, 'aria-hidden': 'true', style: `--h:${hue(p.id)}` }, initials(p.name));
  }
  const PERM_LABEL = { super_user: 'super-user', trainer: 'trainer', admin: 'admin' };
  function badges(p) {
    return (p.permissions || []).map((perm) => h('span', { class: `badge perm-${perm}` }, PERM_LABEL[perm] || perm));
  }
  function roleLine(p) {
    return [p.role || 'no role', p.department, p.language].filter(Boolean).join(' · ');
  }
  const convName = (ch) => (ch === 'dm' ? 'huddlebot' : ch);
  const key = (me = S.me, ch = S.channel) => `${me}|${ch}`;

  // ---- people --------------------------------------------------------------

  async function loadPeople() {
    const people = await api('GET', 'people');
    S.people = people;
    renderPeople();
    renderRoles();
    return people;
  }

  function peopleShown() {
    const q = $('#people-filter').value.trim().toLowerCase();
    if (!q) return S.people;
    return S.people.filter((p) =>
      [p.id, p.name, p.role, p.department, ...(p.permissions || []).map((x) => PERM_LABEL[x] || x)]
        .join(' ')
        .toLowerCase()
        .includes(q),
    );
  }

  function renderPeople() {
    const shown = peopleShown();
    const sig = JSON.stringify([shown, S.me]);
    if (sig === S.peopleSig) return;
    S.peopleSig = sig;
    const ul = $('#people');
    const focused = document.activeElement && document.activeElement.dataset.person;
    if (!shown.length) {
      ul.replaceChildren(h('li', { class: 'people-none' }, 'Nobody matches.'));
      return;
    }
    ul.replaceChildren(
      ...shown.map((p) =>
        h(
          'li',
          null,
          h(
            'button',
            {
              type: 'button',
              class: 'person' + (p.id === S.me ? ' active' : ''),
              'aria-pressed': p.id === S.me ? 'true' : 'false',
              dataset: { person: p.id },
              title: `Act as ${p.name}`,
            },
            avatar(p),
            h(
              'span',
              { class: 'person-text' },
              h('span', { class: 'person-name' }, p.name),
              h('span', { class: 'person-meta' }, roleLine(p), ...badges(p)),
            ),
          ),
        ),
      ),
    );
    if (focused) {
      const b = $(`[data-person="${CSS.escape(focused)}"]`, ul);
      if (b) b.focus();
    }
    const active = $('.person.active', ul);
    if (active && !focused) active.scrollIntoView({ block: 'nearest' });
  }

  function renderRoles() {
    const roles = new Set(['physician', 'nurse', 'ma', 'front_desk', 'billing']);
    for (const p of S.people) if (p.role) roles.add(p.role);
    $('#roles').replaceChildren(...[...roles].sort().map((r) => h('option', { value: r })));
  }

  function renderMe() {
    const p = person(S.me);
    const el = $('#me');
    if (!p) {
      el.replaceChildren();
      return;
    }
    const next = p.next_prompt_text
      ? `${word('next_prompt', 'Next prompt')} ${p.next_prompt_text}`
      : p.next_prompt
        ? `Next prompt ${fmtShort(new Date(p.next_prompt))}`
        : 'Not joined — try /learn join ROLE';
    el.replaceChildren(
      avatar(p, 'small'),
      h(
        'span',
        { class: 'me-text' },
        h('span', { class: 'me-name' }, 'Acting as ', h('strong', null, p.name), ...badges(p)),
        h('span', { class: 'me-meta' }, `${roleLine(p)} · ${p.timezone || 'UTC'} · ${next}`),
      ),
    );
  }

  async function selectPerson(id, { focus = false } = {}) {
    if (!person(id)) return;
    if (id !== S.me) {
      S.me = id;
      S.loaded = '';
      S.histPos = -1;
      document.body.dataset.user = id;
    }
    renderPeople();
    renderMe();
    renderClock();
    saveLocation();
    closeMenuIfNarrow();
    await refresh();
    if (focus) $('#command').focus();
  }

  async function addPerson(ev) {
    ev.preventDefault();
    const form = ev.currentTarget;
    const err = $('#ap-error');
    err.textContent = '';
    const body = {
      name: form.name.value.trim(),
      role: form.role.value.trim(),
      department: form.department.value.trim(),
      permissions: $$('input[name=perm]:checked', form).map((c) => c.value),
    };
    try {
      const p = await api('POST', 'people', body);
      form.reset();
      $('#add-person').open = false;
      await loadPeople();
      announce(`Added ${p.name}. You are now acting as them.`);
      await selectPerson(p.id);
      const b = $(`[data-person="${CSS.escape(p.id)}"]`);
      if (b) b.focus();
    } catch (e) {
      err.textContent = e.message; // the form keeps what was typed
    }
  }

  // ---- channels ------------------------------------------------------------

  function allChannels() {
    const set = new Set(S.channels);
    for (const c of S.extraChannels) set.add(c);
    if (S.channel !== 'dm') set.add(S.channel);
    return [...set].sort();
  }

  function unread(ch) {
    const seen = S.lastSeen.get(key(S.me, ch)) || 0;
    return S.msgs.filter((m) => m.channel === ch && m.id > seen).length;
  }

  function renderChannels() {
    const chans = allChannels();
    const counts = chans.map(unread);
    const dmCount = S.channel === 'dm' ? 0 : unread('dm');
    const sig = JSON.stringify([chans, counts, dmCount, S.channel, S.me]);
    if (sig === S.channelsSig) return;
    S.channelsSig = sig;
    const focused = document.activeElement && document.activeElement.dataset.channel;
    $('#channels').replaceChildren(
      ...chans.map((ch, i) => {
        const n = ch === S.channel ? 0 : counts[i];
        return h(
          'li',
          null,
          h(
            'button',
            {
              type: 'button',
              class: 'conv' + (ch === S.channel ? ' active' : '') + (n ? ' has-unread' : ''),
              dataset: { channel: ch },
              'aria-current': ch === S.channel ? 'page' : false,
            },
            h('span', { class: 'conv-icon', 'aria-hidden': 'true' }, '#'),
            h('span', { class: 'conv-name' }, ch.slice(1)),
            n ? h('span', { class: 'unread' }, String(n), h('span', { class: 'sr-only' }, ' unread')) : null,
          ),
        );
      }),
    );
    const dm = $('#dms .conv');
    dm.classList.toggle('active', S.channel === 'dm');
    dm.classList.toggle('has-unread', dmCount > 0);
    if (S.channel === 'dm') dm.setAttribute('aria-current', 'page');
    else dm.removeAttribute('aria-current');
    const u = $('.unread', dm);
    u.hidden = !dmCount;
    u.textContent = dmCount ? String(dmCount) : '';
    if (focused && focused !== 'dm') {
      const b = $(`#channels [data-channel="${CSS.escape(focused)}"]`);
      if (b) b.focus();
    }
  }

  function normalizeChannel(raw) {
    let ch = String(raw || '').trim().toLowerCase();
    if (!ch || ch === 'dm') return 'dm';
    if (!ch.startsWith('#')) ch = '#' + ch;
    return /^#[a-z0-9][a-z0-9_-]{0,79}$/.test(ch) ? ch : '';
  }

  async function selectChannel(ch, { focus = true } = {}) {
    ch = normalizeChannel(ch);
    if (!ch) return;
    if (ch !== 'dm' && !S.channels.includes(ch)) S.extraChannels.add(ch);
    if (ch !== S.channel) {
      S.channel = ch;
      S.loaded = '';
    }
    saveLocation();
    closeMenuIfNarrow();
    render();
    await refresh();
    if (focus) $('#command').focus();
  }

  function openNewChannel(ev) {
    ev.preventDefault();
    const input = $('#new-channel');
    const ch = normalizeChannel(input.value);
    if (!ch || ch === 'dm') {
      input.setCustomValidity('Use letters, digits, - and _, like 4west');
      input.reportValidity();
      return;
    }
    input.setCustomValidity('');
    input.value = '';
    selectChannel(ch);
    if (!S.channels.includes(ch)) {
      announce(`${ch} is created when you send the first command there.`);
    }
  }

  // ---- messages ------------------------------------------------------------

  let chain = Promise.resolve();
  let queued = 0;

  // refresh reloads messages, channels and the clock (serialised).
  function refresh() {
    queued++;
    chain = chain.then(doRefresh).finally(() => queued--);
    return chain;
  }

  async function doRefresh() {
    const me = S.me;
    if (!me) return;
    try {
      const [msgs, chans, clock] = await Promise.all([
        api('GET', 'messages?user=' + encodeURIComponent(me)),
        api('GET', 'channels'),
        api('GET', 'clock'),
      ]);
      setOnline(true);
      if (me !== S.me) return;
      S.msgs = msgs;
      S.channels = chans;
      for (const c of chans) S.extraChannels.delete(c);
      setClock(clock.now);
      if (!S.seenInit.has(me)) {
        // What was there before you picked the person is not "unread".
        S.seenInit.add(me);
        for (const m of msgs) {
          const k = key(me, m.channel);
          S.lastSeen.set(k, Math.max(S.lastSeen.get(k) || 0, m.id));
        }
      }
      S.loaded = key();
      render();
    } catch (e) {
      setOnline(false, e.message);
    }
  }

  function render() {
    renderChannels();
    renderHeader();
    renderMessages();
    renderChannels(); // unread counts change once the open channel is marked seen
  }

  function renderHeader() {
    const ch = S.channel;
    $('#pane-title').textContent = ch === 'dm' ? 'huddlebot' : ch;
    $('#pane-sub').textContent =
      ch === 'dm'
        ? 'Direct messages with huddlebot · daily tips and quizzes arrive here'
        : `Channel · everyone in the sandbox sees ${ch} · try /huddle start TITLE`;
    document.title = `${convName(ch)} · huddlebot sandbox`;
    $('#command').placeholder =
      ch === 'dm'
        ? word('message_dm', 'Message huddlebot — e.g. /learn stats')
        : word('message_channel', 'Message {channel} — e.g. /huddle start Downtime drill').replace('{channel}', ch);
  }

  // Rows are keyed and carry a signature, so a poll only replaces what
  // changed and keyboard focus survives.
  function rows() {
    const ch = S.channel;
    const inCh = S.msgs.filter((m) => m.channel === ch);
    const ids = new Set(inCh.map((m) => m.id));
    const kids = new Map();
    const top = [];
    for (const m of inCh) {
      if (m.thread && ids.has(m.thread) && m.thread !== m.id) {
        if (!kids.has(m.thread)) kids.set(m.thread, []);
        kids.get(m.thread).push(m);
      } else top.push(m);
    }
    const eph = (S.eph.get(key()) || []).slice();
    const out = [];
    let lastDay = '';
    const flush = (upto) => {
      while (eph.length && eph[0].anchor < upto) {
        const e = eph.shift();
        out.push({ key: 'e' + e.seq, sig: 'e' + e.seq + word('lang', ''), build: () => renderReply(e) });
      }
    };
    for (const m of top) {
      flush(m.id);
      const d = new Date(m.at);
      const day = dayKey(d);
      if (day !== lastDay) {
        lastDay = day;
        out.push({ key: 'd' + day, sig: day + word('lang', ''), build: () => h('div', { class: 'day', role: 'separator' }, h('span', null, fmtDay(d))) });
      }
      const replies = kids.get(m.id) || [];
      out.push({ key: 'm' + m.id, sig: JSON.stringify([m, replies, tz(), word('lang', '')]), build: () => renderMessage(m, replies) });
    }
    flush(Infinity);
    return out;
  }

  function renderMessages() {
    const box = $('#messages');
    const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 120;
    const switched = box.dataset.loaded !== S.loaded;
    if (switched) box.replaceChildren();
    const want = rows();
    const have = new Map();
    for (const el of box.children) if (el.dataset.key) have.set(el.dataset.key, el);
    const active = document.activeElement;
    let prev = null;
    for (const r of want) {
      let el = have.get(r.key);
      if (el && el.dataset.sig !== r.sig) {
        const fresh = buildRow(r);
        const restore = el.contains(active) ? focusKey(active) : null;
        el.replaceWith(fresh);
        el = fresh;
        if (restore !== null) restoreFocus(el, restore);
      } else if (!el) {
        el = buildRow(r);
      }
      have.delete(r.key);
      const next = prev ? prev.nextSibling : box.firstChild;
      if (next !== el) box.insertBefore(el, next);
      prev = el;
    }
    for (const el of have.values()) el.remove();
    if (!want.length) box.append(emptyState());
    box.dataset.loaded = S.loaded;
    box.dataset.user = S.me;
    box.dataset.channel = S.channel;
    if (switched || nearBottom) box.scrollTop = box.scrollHeight;
    // Mark the open conversation as read.
    const max = S.msgs.filter((m) => m.channel === S.channel).reduce((a, m) => Math.max(a, m.id), 0);
    const k = key();
    if (max > (S.lastSeen.get(k) || 0)) S.lastSeen.set(k, max);
  }

  function buildRow(r) {
    const el = r.build();
    el.dataset.key = r.key;
    el.dataset.sig = r.sig;
    return el;
  }

  function focusKey(el) {
    return el.dataset.focus || '';
  }
  function restoreFocus(root, fk) {
    const same = fk && $$('[data-focus]', root).find((x) => x.dataset.focus === fk && !x.disabled);
    const target = same || (root.matches('.message') ? root : root.querySelector('.message')) || root;
    if (!target.hasAttribute('tabindex') && !same) target.setAttribute('tabindex', '-1');
    target.focus({ preventScroll: true });
  }

  function emptyState() {
    const ch = S.channel;
    return h(
      'div',
      { class: 'empty', dataset: { key: 'empty', sig: 'empty' } },
      h('div', { class: 'empty-icon', 'aria-hidden': 'true' }, ch === 'dm' ? '👋' : '#'),
      h('h2', null, ch === 'dm' ? 'This is the start of your conversation with huddlebot' : `This is the very beginning of ${ch}`),
      h(
        'p',
        { html: ch === 'dm'
          ? 'Your daily tip or quiz arrives here at your delivery time. Press <strong>Next delivery</strong> above to jump the clock there, or type <code>/learn</code> for a lesson now.'
          : S.channels.includes(ch)
            ? 'Every person in the sandbox sees this channel. Super-users can run a huddle here: <code>/huddle start Downtime drill</code>.'
            : 'Send a command here (for example <code>/huddle start Downtime drill</code>) and the channel is created.' },
      ),
    );
  }

  function replyCount(n) {
    return `${n} ${n === 1 ? word('reply', 'reply') : word('replies', 'replies')}`;
  }

  function botHead(extra) {
    return h(
      'div',
      { class: 'msg-head' },
      h('span', { class: 'author' }, 'huddlebot'),
      h('span', { class: 'app-tag' }, 'APP'),
      extra,
    );
  }

  function renderMessage(m, replies, inThread = false) {
    const d = new Date(m.at);
    const art = h(
      'article',
      {
        class: 'message' + (inThread ? ' thread-reply' : ''),
        id: 'msg-' + m.id,
        tabindex: '-1',
        'aria-label': `huddlebot, ${fmtTime(d)}`,
        dataset: { id: String(m.id), message: String(m.id), channel: m.channel },
      },
      h('span', { class: 'avatar bot', 'aria-hidden': 'true' }, 'hb'),
      h(
        'div',
        { class: 'msg-main' },
        botHead(h('time', { datetime: m.at, title: fmtClock(d) }, fmtTime(d))),
        m.card ? renderCard(m.card, m.id) : h('div', { class: 'msg-text md', html: md(m.text) }),
        m.edited ? h('span', { class: 'edited', title: word('edited_title', 'This message was updated in place') }, word('edited', '(edited)')) : null,
        replies.length
          ? h(
              'div',
              { class: 'thread', role: 'group', 'aria-label': `${replyCount(replies.length)} ${word('in_thread', 'in thread')}` },
              h('div', { class: 'thread-count' }, replyCount(replies.length)),
              ...replies.map((r) => renderMessage(r, [], true)),
            )
          : null,
      ),
    );
    return art;
  }

  function resultClass(r) {
    if (/^\s*(✅|✔|correct)/i.test(r)) return 'ok';
    if (/^\s*(❌|✖|not quite|wrong)/i.test(r)) return 'bad';
    return '';
  }

  function renderCard(c, msgId) {
    const kind = c.choices && c.choices.length ? 'quiz' : c.result ? 'answered' : '';
    const card = h('div', { class: `card ${kind}`.trim() });
    if (c.title) card.append(h('div', { class: 'card-title', html: plain(c.title) }));
    if (c.body) card.append(h('div', { class: 'card-body md', html: md(c.body) }));
    if (c.question) card.append(h('div', { class: 'card-question', html: inline(c.question) }));
    if (c.choices && c.choices.length) {
      card.append(
        h(
          'div',
          { class: 'choices', role: 'group', 'aria-label': 'Answers' },
          ...c.choices.map((a, i) => actionButton(a, msgId, 'choice', i + 1)),
        ),
      );
    }
    if (c.result) card.append(h('div', { class: `card-result ${resultClass(c.result)}`.trim(), role: 'note', html: inline(c.result) }));
    if (c.explanation) card.append(h('div', { class: 'card-explanation md', html: md(c.explanation) }));
    if (c.fields && c.fields.length) card.append(renderFields(c.fields));
    if ((c.actions && c.actions.length) || c.select) {
      const row = h('div', { class: 'actions', role: 'group', 'aria-label': 'Actions' });
      for (const a of c.actions || []) row.append(actionButton(a, msgId, 'btn'));
      if (c.select) row.append(renderSelect(c.select, msgId));
      card.append(row);
    }
    if (c.context) card.append(h('div', { class: 'card-context', html: plain(c.context) }));
    return card;
  }

  function renderFields(fields) {
    return h(
      'dl',
      { class: 'fields' },
      ...fields.map((f) =>
        h('div', { class: 'field', dataset: { field: f.label } }, h('dt', { class: 'label' }, f.label), h('dd', { class: 'value', html: inline(f.value) })),
      ),
    );
  }

  function actionButton(a, msgId, cls, n) {
    const b = h(
      'button',
      {
        type: 'button',
        class: `${cls}${a.style ? ' ' + a.style : ''}`,
        dataset: { action: a.id, message: String(msgId), focus: `${msgId}|${a.id}` },
      },
      n ? h('span', { class: 'choice-n', 'aria-hidden': 'true' }, String(n)) : null,
      h('span', { class: 'label' }, a.label),
    );
    return b;
  }

  function renderSelect(sel, msgId) {
    const id = `sel-${msgId}-${sel.id.replace(/[^a-z0-9]/gi, '')}`;
    const select = h(
      'select',
      { id, dataset: { focus: `${msgId}|${sel.id}|select` } },
      h('option', { value: '' }, sel.placeholder || word('choose', 'Choose') + '…'),
      ...sel.options.map((o) => h('option', { value: o.value }, o.label)),
    );
    const go = h(
      'button',
      {
        type: 'button',
        class: 'btn',
        dataset: { selectFor: id, message: String(msgId), focus: `${msgId}|${sel.id}|go` },
      },
      word('choose', 'Choose'),
    );
    go.dataset.selectId = sel.id;
    return h('span', { class: 'select' }, h('label', { for: id, class: 'sr-only' }, sel.placeholder || word('choose', 'Choose')), select, go);
  }

  // ---- ephemeral replies -----------------------------------------------------

  function maxIdIn(ch) {
    return S.msgs.filter((m) => m.channel === ch).reduce((a, m) => Math.max(a, m.id), 0);
  }

  function addReply(me, ch, r) {
    const k = key(me, ch);
    const list = S.eph.get(k) || [];
    const e = { seq: ++S.seq, anchor: maxIdIn(ch), ...r, at: simNow() };
    list.push(e);
    while (list.length > 50) list.shift();
    S.eph.set(k, list);
    if (me === S.me && ch === S.channel) {
      renderMessages();
      $('#messages').scrollTop = $('#messages').scrollHeight;
    }
    const spoken = [r.cmd ? `Reply to ${r.cmd}:` : 'Reply:', r.error || r.text || (r.card && r.card.title) || ''].join(' ');
    announce(spoken);
  }

  function renderReply(e) {
    const body = e.card
      ? renderCard(e.card, 0)
      : h('div', { class: 'reply-text md' + (e.error ? ' reply-error' : ''), html: md(e.error || e.text || '') });
    const el = h(
      'div',
      { class: 'message ephemeral reply', dataset: { reply: String(e.seq) }, role: 'note', 'aria-label': word('only_you', 'Only visible to you') },
      h('span', { class: 'avatar bot', 'aria-hidden': 'true' }, 'hb'),
      h(
        'div',
        { class: 'msg-main' },
        botHead([
          h('span', { class: 'only-you' }, h('span', { 'aria-hidden': 'true' }, '👁 '), word('only_you', 'Only visible to you')),
          e.cmd ? h('span', { class: 'reply-cmd' }, h('span', { class: 'sr-only' }, word('in_reply_to', 'in reply to') + ' '), h('code', null, e.cmd)) : null,
          h(
            'button',
            {
              type: 'button',
              class: 'dismiss',
              dataset: { dismiss: String(e.seq), focus: `dismiss|${e.seq}` },
              title: word('dismiss_title', 'Remove this notice'),
            },
            word('dismiss', 'Dismiss'),
          ),
        ]),
        body,
      ),
    );
    if (e.card) $$('button[data-action], select', el).forEach((b) => (b.disabled = true)); // a reply card's buttons have no message
    return el;
  }

  function dismiss(seq) {
    const k = key();
    const list = (S.eph.get(k) || []).filter((e) => String(e.seq) !== seq);
    S.eph.set(k, list);
    renderMessages();
    $('#command').focus();
  }

  // ---- clicks, commands, forms ----------------------------------------------

  async function click(msgId, action, btn) {
    const me = S.me;
    const ch = S.channel;
    const art = btn.closest('.message');
    const buttons = art ? $$('button[data-action], select, button[data-select-for]', art) : [];
    buttons.forEach((b) => b.setAttribute('aria-disabled', 'true'));
    if (art) art.classList.add('busy');
    hideError();
    try {
      const r = await api('POST', 'click', { user: me, message: Number(msgId), action });
      await refresh();
      if (r.form) openForm(r.form, me, ch); // the form is the answer; its prompt would only repeat it
      else if (r.reply || r.card) addReply(me, ch, { text: r.reply, card: r.card });
    } catch (e) {
      showError(e.message);
    } finally {
      buttons.forEach((b) => b.removeAttribute('aria-disabled'));
      if (art) art.classList.remove('busy');
    }
  }

  async function send(ev) {
    if (ev) ev.preventDefault();
    const input = $('#command');
    const text = input.value.trim();
    if (!text || S.sending) return;
    if (!S.me) {
      showError('Pick a person on the left first.');
      return;
    }
    const me = S.me;
    const ch = S.channel;
    S.sending = true;
    $('#composer').setAttribute('aria-busy', 'true');
    hideError();
    rememberCommand(text);
    try {
      const r = await api('POST', 'command', { user: me, channel: ch, text });
      if (input.value.trim() === text) input.value = ''; // keep anything typed meanwhile
      S.histPos = -1;
      updateHints();
      await refresh();
      // /learn may change the person (their language: the pane's own words).
      if (/^\/learn\b/.test(text)) await loadPeople().then(renderMe);
      if (r.form) openForm(r.form, me, ch);
      else addReply(me, ch, { cmd: text, text: r.reply, card: r.card });
    } catch (e) {
      showError(`Not sent: ${e.message}`); // the text stays in the box
    } finally {
      S.sending = false;
      $('#composer').removeAttribute('aria-busy');
    }
  }

  function showError(msg) {
    const el = $('#error');
    el.textContent = msg;
    el.hidden = false;
  }
  function hideError() {
    const el = $('#error');
    el.hidden = true;
    el.textContent = '';
  }

  let returnFocus = null;

  function openForm(form, me, ch) {
    S.formCtx = { form, me, ch };
    const dlg = $('#form-modal');
    returnFocus = document.activeElement;
    $('#form-title').textContent = form.title || 'huddlebot';
    $('#form-label').textContent = form.label || '';
    const ta = $('#form-text');
    ta.placeholder = form.placeholder || '';
    ta.value = '';
    $('#form-submit').textContent = form.submit || word('send', 'Send');
    $('#form-cancel').textContent = word('cancel', 'Cancel');
    $('#form-error').textContent = '';
    dlg.dataset.form = form.id;
    if (!dlg.open) dlg.showModal();
    ta.focus();
  }

  function closeForm() {
    const dlg = $('#form-modal');
    if (dlg.open) dlg.close();
  }

  async function submitForm(ev) {
    ev.preventDefault();
    const ctx = S.formCtx;
    if (!ctx) return closeForm();
    const ta = $('#form-text');
    const btn = $('#form-submit');
    btn.setAttribute('aria-disabled', 'true');
    $('#form-error').textContent = '';
    try {
      const r = await api('POST', 'submit', { user: ctx.me, form: ctx.form.id, text: ta.value });
      S.formCtx = null;
      closeForm();
      await refresh();
      if (r.form) openForm(r.form, ctx.me, ctx.ch);
      else addReply(ctx.me, ctx.ch, { cmd: ctx.form.title, text: r.reply, card: r.card });
    } catch (e) {
      $('#form-error').textContent = e.message; // the text stays
    } finally {
      btn.removeAttribute('aria-disabled');
    }
  }

  // ---- command box: history and hints -----------------------------------------

  const HINTS = [
    ['/learn', '', 'Get your next lesson now'],
    ['/learn stats', '', 'Answers, accuracy, streak and next prompt'],
    ['/learn help', '', 'Everything /learn can do'],
    ['/learn join', ' ROLE [DEPARTMENT]', 'Join, e.g. /learn join nurse 4west'],
    ['/learn time', ' HH:MM', 'Your daily delivery time'],
    ['/learn tz', ' Area/City', 'Your time zone, e.g. America/New_York'],
    ['/learn days', ' mon-fri', 'Your work days'],
    ['/learn hours', ' HH:MM-HH:MM', 'Your work hours (may wrap midnight)'],
    ['/learn pause', ' [DAYS]', 'Pause prompts'],
    ['/learn resume', '', 'Resume prompts'],
    ['/learn duty', ' on|off', 'Super-users: take questions from your unit'],
    ['/huddle start', ' TITLE', 'Start a tech huddle in this channel'],
    ['/huddle poll', ' "Question" "Option" "Option"', 'Run a live poll (--multi, --anonymous)'],
    ['/huddle ask', ' TEXT', 'Add a question to the parking lot'],
    ['/huddle end', '', 'End the huddle and post the summary'],
    ['/ask', ' TEXT', 'Ask an on-duty super-user of your unit'],
    ['/feedback', ' TEXT', 'Tell the trainers something'],
    ['/burst list', '', 'Trainers: the update bursts'],
    ['/burst preview', ' ID --role ROLE', 'Trainers: see a burst as a role'],
    ['/burst send', ' ID', 'Trainers: send a burst'],
    ['/burst status', ' ID', 'Trainers: who has seen and understood it'],
    ['/burst cancel', ' ID', 'Trainers: stop a burst'],
  ];

  function matchHints(text) {
    const t = text.replace(/^\s+/, '').toLowerCase();
    if (!t.startsWith('/')) return [];
    const prefix = HINTS.filter(([cmd]) => cmd.startsWith(t) && cmd !== t);
    const exact = HINTS.filter(([cmd, args]) => (t === cmd && args) || (args && t.startsWith(cmd + ' ')));
    return [...exact, ...prefix].slice(0, 6);
  }

  function updateHints() {
    const input = $('#command');
    const ul = $('#hints');
    const items = S.histPos >= 0 ? [] : matchHints(input.value);
    S.hintItems = items;
    S.hintIndex = Math.min(S.hintIndex, Math.max(0, items.length - 1));
    if (!items.length) {
      ul.hidden = true;
      ul.replaceChildren();
      input.setAttribute('aria-expanded', 'false');
      input.removeAttribute('aria-activedescendant');
      return;
    }
    ul.replaceChildren(
      ...items.map(([cmd, args, desc], i) =>
        h(
          'li',
          {
            id: 'hint-' + i,
            role: 'option',
            class: 'hint' + (i === S.hintIndex ? ' selected' : ''),
            'aria-selected': i === S.hintIndex ? 'true' : 'false',
            dataset: { hint: cmd },
            onmousedown: (e) => {
              e.preventDefault();
              complete(i);
            },
          },
          h('span', { class: 'hint-cmd' }, h('strong', null, cmd), args),
          h('span', { class: 'hint-desc' }, desc),
        ),
      ),
    );
    ul.hidden = false;
    const sel = $('.hint.selected', ul);
    if (sel) sel.scrollIntoView({ block: 'nearest' });
    input.setAttribute('aria-expanded', 'true');
    input.setAttribute('aria-activedescendant', 'hint-' + S.hintIndex);
  }

  // complete fills in hint i; it returns whether the text changed.
  function complete(i) {
    const item = S.hintItems[i];
    if (!item) return false;
    const input = $('#command');
    const [cmd, args] = item;
    const next = cmd + (args ? ' ' : '');
    if (input.value.trim().toLowerCase().startsWith(cmd + ' ') || input.value === next) return false;
    input.value = next;
    input.focus();
    input.setSelectionRange(next.length, next.length);
    S.hintIndex = 0;
    updateHints();
    return true;
  }

  function loadHistory() {
    try {
      const v = JSON.parse(localStorage.getItem('huddlebot.history') || '[]');
      return Array.isArray(v) ? v.filter((x) => typeof x === 'string').slice(-50) : [];
    } catch (e) {
      return [];
    }
  }
  function rememberCommand(text) {
    if (S.history[S.history.length - 1] !== text) S.history.push(text);
    while (S.history.length > 50) S.history.shift();
    try {
      localStorage.setItem('huddlebot.history', JSON.stringify(S.history));
    } catch (e) {
      /* private mode */
    }
  }

  function onCommandKey(e) {
    const input = e.currentTarget;
    const hintsOpen = S.hintItems.length > 0 && S.histPos < 0;
    if (e.key === 'ArrowDown' && hintsOpen && !e.altKey) {
      e.preventDefault(); // move through the hints
      S.hintIndex = Math.min(S.hintIndex + 1, S.hintItems.length - 1);
      updateHints();
    } else if (e.key === 'ArrowUp' && hintsOpen && S.hintIndex > 0 && !e.altKey) {
      e.preventDefault();
      S.hintIndex--;
      updateHints();
    } else if (e.key === 'ArrowUp' && !e.altKey && !e.shiftKey) {
      if (!S.history.length) return;
      e.preventDefault();
      if (S.histPos < 0) {
        S.draft = input.value;
        S.histPos = S.history.length - 1;
      } else if (S.histPos > 0) {
        S.histPos--;
      }
      input.value = S.history[S.histPos];
      input.setSelectionRange(input.value.length, input.value.length);
      updateHints();
    } else if (e.key === 'ArrowDown' && !e.altKey && !e.shiftKey) {
      if (S.histPos < 0) return;
      e.preventDefault();
      S.histPos++;
      if (S.histPos >= S.history.length) {
        S.histPos = -1;
        input.value = S.draft; // back to what was being typed
      } else {
        input.value = S.history[S.histPos];
      }
      updateHints();
    } else if (e.key === 'Tab' && !e.shiftKey && S.hintItems.length) {
      if (complete(S.hintIndex)) e.preventDefault();
    } else if (e.key === 'Escape') {
      if (S.hintItems.length) {
        e.preventDefault();
        S.hintItems = [];
        $('#hints').hidden = true;
        input.setAttribute('aria-expanded', 'false');
      }
    }
  }

  // ---- clock -------------------------------------------------------------------

  function setClock(now) {
    const t = Date.parse(now);
    if (!Number.isNaN(t)) {
      S.clockOffset = t - Date.now();
      S.clockKnown = true;
    }
    renderClock();
  }

  function renderClock() {
    if (!S.clockKnown) return;
    const now = simNow();
    const el = $('#clock-now');
    el.textContent = `${fmtClock(now)} ${tz()}`;
    el.setAttribute('datetime', now.toISOString());
  }

  async function moveClock(kind) {
    if (S.clockBusy) return;
    if (kind === 'next' && !S.me) return;
    const status = $('#clock-status');
    const before = S.msgs.length;
    const me = S.me;
    S.clockBusy = true;
    document.body.classList.add('clock-busy');
    $$('.clock-btn').forEach((b) => b.setAttribute('aria-disabled', 'true'));
    status.className = 'clock-status';
    status.textContent = kind === 'next' ? 'Moving to the next delivery…' : `Moving the clock ${labelFor(kind)}…`;
    try {
      const body = kind === 'next' ? { to: 'next', user: me } : { advance: kind };
      const r = await api('POST', 'clock', body);
      setClock(r.now);
      await loadPeople();
      renderMe();
      await refresh();
      const fresh = me === S.me ? Math.max(0, S.msgs.length - before) : 0;
      status.textContent =
        (r.moved_to ? `${word('moved_to', 'Moved to')} ${r.moved_to} · ` : '') +
        `Now ${fmtShort(new Date(r.now))}` +
        (fresh ? ` · ${fresh} new message${fresh === 1 ? '' : 's'}` : '');
    } catch (e) {
      status.className = 'clock-status error';
      status.textContent = e.message;
    } finally {
      S.clockBusy = false;
      document.body.classList.remove('clock-busy');
      document.body.dataset.clockMoves = String(Number(document.body.dataset.clockMoves || 0) + 1);
      $$('.clock-btn').forEach((b) => b.removeAttribute('aria-disabled'));
    }
  }
  const labelFor = (k) => ({ '1h': 'by an hour', '1d': 'by a day', '7d': 'by a week' })[k] || k;

  function setOnline(ok, msg) {
    if (ok === S.online) return;
    S.online = ok;
    document.body.classList.toggle('offline', !ok);
    const status = $('#clock-status');
    if (!ok) {
      status.className = 'clock-status error';
      status.textContent = msg || 'Offline';
    } else if (status.classList.contains('error')) {
      status.className = 'clock-status';
      status.textContent = 'Connected again';
    }
  }

  // ---- misc UI -------------------------------------------------------------------

  function announce(text) {
    const live = $('#live');
    live.textContent = '';
    // A new node each time so screen readers repeat identical replies.
    setTimeout(() => (live.textContent = text), 30);
  }

  const narrow = () => window.matchMedia('(max-width: 760px)').matches;

  function setMenu(open) {
    document.body.classList.toggle('menu-open', open);
    $('#menu-toggle').setAttribute('aria-expanded', open ? 'true' : 'false');
    if (open) {
      const first = $('#sidebar .person.active') || $('#sidebar button');
      if (first) first.focus();
    }
  }
  function closeMenuIfNarrow() {
    if (document.body.classList.contains('menu-open') && narrow()) {
      setMenu(false);
      $('#command').focus();
    }
  }

  function saveLocation() {
    if (!S.me) return;
    const h = `#${encodeURIComponent(S.me)}/${S.channel === 'dm' ? 'dm' : encodeURIComponent(S.channel.slice(1))}`;
    if (location.hash !== h) history.replaceState(null, '', h);
    try {
      localStorage.setItem('huddlebot.location', h);
    } catch (e) {
      /* ignore */
    }
  }
  function readLocation() {
    let h = location.hash;
    if (!h) {
      try {
        h = localStorage.getItem('huddlebot.location') || '';
      } catch (e) {
        h = '';
      }
    }
    const [who, ch] = h.replace(/^#/, '').split('/');
    return { who: decodeURIComponent(who || ''), ch: decodeURIComponent(ch || 'dm') };
  }

  // ---- wiring ----------------------------------------------------------------------

  function wire() {
    $('#people').addEventListener('click', (e) => {
      const b = e.target.closest('[data-person]');
      if (b) selectPerson(b.dataset.person);
    });
    $('#sidebar').addEventListener('click', (e) => {
      const b = e.target.closest('button[data-channel]');
      if (b) selectChannel(b.dataset.channel);
    });
    $('#add-person-form').addEventListener('submit', addPerson);
    $('#people-filter').addEventListener('input', renderPeople);
    $('#people-filter').addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        const first = $('#people [data-person]');
        if (first) selectPerson(first.dataset.person, { focus: true });
      }
    });
    $('#new-channel-form').addEventListener('submit', openNewChannel);
    $('#new-channel').addEventListener('input', (e) => e.currentTarget.setCustomValidity(''));

    $('#messages').addEventListener('click', (e) => {
      const dis = e.target.closest('button[data-dismiss]');
      if (dis) return dismiss(dis.dataset.dismiss);
      const b = e.target.closest('button[data-action], button[data-select-for]');
      if (!b || b.getAttribute('aria-disabled') === 'true' || b.disabled) return;
      if (b.dataset.selectFor) {
        const sel = document.getElementById(b.dataset.selectFor);
        if (!sel || !sel.value) {
          if (sel) sel.focus();
          return;
        }
        return click(b.dataset.message, `${b.dataset.selectId}=${sel.value}`, b);
      }
      click(b.dataset.message, b.dataset.action, b);
    });

    $('#composer').addEventListener('submit', send);
    const input = $('#command');
    input.addEventListener('keydown', onCommandKey);
    input.addEventListener('input', () => {
      S.histPos = -1;
      S.hintIndex = 0;
      updateHints();
    });
    input.addEventListener('blur', () => setTimeout(() => {
      if (document.activeElement !== input) {
        $('#hints').hidden = true;
        input.setAttribute('aria-expanded', 'false');
      }
    }, 100));
    input.addEventListener('focus', updateHints);

    $('#clockbar').addEventListener('click', (e) => {
      const b = e.target.closest('[data-clock]');
      if (b && b.getAttribute('aria-disabled') !== 'true') moveClock(b.dataset.clock);
    });

    const dlg = $('#form-modal');
    $('#form-form').addEventListener('submit', submitForm);
    $('#form-cancel').addEventListener('click', closeForm);
    dlg.addEventListener('close', () => {
      S.formCtx = null;
      const back = returnFocus && document.contains(returnFocus) ? returnFocus : $('#command');
      back.focus();
    });
    $('#form-text').addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) submitForm(e);
    });

    $('#menu-toggle').addEventListener('click', () => setMenu(!document.body.classList.contains('menu-open')));
    $('#menu-close').addEventListener('click', () => {
      setMenu(false);
      $('#menu-toggle').focus();
    });
    $('.app').addEventListener('click', (e) => {
      if (e.target === e.currentTarget && document.body.classList.contains('menu-open')) setMenu(false); // the backdrop
    });
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && document.body.classList.contains('menu-open')) {
        setMenu(false);
        $('#menu-toggle').focus();
      }
    });
    window.addEventListener('hashchange', () => {
      const loc = readLocation();
      if (loc.who && loc.who !== S.me) selectPerson(loc.who);
      if (normalizeChannel(loc.ch) !== S.channel) selectChannel(loc.ch, { focus: false });
    });
  }

  async function start() {
    wire();
    setInterval(renderClock, 1000);
    try {
      await loadPeople();
    } catch (e) {
      showError(e.message);
    }
    try {
      setClock((await api('GET', 'clock')).now);
    } catch (e) {
      /* shown by the next poll */
    }
    const loc = readLocation();
    const who = person(loc.who) ? loc.who : S.people[0] && S.people[0].id;
    S.channel = normalizeChannel(loc.ch) || 'dm';
    if (who) await selectPerson(who);
    document.body.dataset.ready = 'true';
    let n = 0;
    setInterval(() => {
      if (document.hidden || queued > 0) return;
      refresh();
      if (++n % 5 === 0) loadPeople().then(renderMe, () => {});
    }, POLL_MS);
  }

  // A small hook for debugging from the console.
  window.huddlebot = { state: S, refresh, render, md };

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
