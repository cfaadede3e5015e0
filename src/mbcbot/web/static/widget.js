/*
 * mbcbot chat widget. Embed with one tag (`mbcbot embed --url URL` prints it with its integrity):
 *
 *   <script src="https://HOST/widget.js" data-api="https://HOST" async></script>
 *
 * Options (data attributes on that tag; docs/widget.md has them all):
 *   data-api               where the mbcbot API lives (default: the origin this script came from)
 *   data-emergency-number  the number shown whenever the service cannot answer (default: the service's)
 *   data-accent            a CSS colour for buttons and header (sets --mbcbot-accent)
 *   data-position          "right" (default) or "left"
 *   data-open              "true" to start with the panel open (never on a phone)
 *   data-label             the launcher's text ("false" for the icon alone; default: the title, on wide screens)
 *   data-title, data-placeholder, data-send, data-close, data-new-conversation, data-unavailable, ...
 *                          the widget's own words, to translate them (each line in `lines` below, "_" as "-")
 *
 * Plain JavaScript, no dependencies, no third-party requests. All text goes in with
 * textContent; styles come from the service's widget.css inside a shadow root (CSP-friendly:
 * no inline styles, no eval). The conversation lives in sessionStorage, or in memory
 * when storage is blocked.
 */
(function () {
  'use strict';

  var SERVICE = null; // this service's settings, filled in as it serves the file
  var MAX_KEPT = 100; // messages kept in storage
  var MAX_CHIPS = 12;
  var MAX_ATTRIBUTE = 300; // characters of a data- attribute
  var TIMEOUT_MS = 20000;
  var PHONE = '(max-width: 480px)'; // as widget.css: where the panel covers the page
  var SVG = 'http://www.w3.org/2000/svg';
  var CHAT_ICON = 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z';
  var CLOSE_ICON = 'M6.4 5 5 6.4 10.6 12 5 17.6 6.4 19 12 13.4 17.6 19 19 17.6 13.4 12 19 6.4 17.6 5 12 10.6z';
  var NUMBER_PLACE = '{emergency_number}';

  // Load once, even if the tag is on the page twice; bail out on browsers without Shadow DOM.
  if (window.mbcbotWidget || !Element.prototype.attachShadow || !window.fetch) return;
  if (!SERVICE || typeof SERVICE !== 'object') {
    if (window.console) console.error('mbcbot widget: load widget.js from an mbcbot service, which fills in its settings');
    return;
  }
  window.mbcbotWidget = { version: SERVICE.version };

  // ---- 1. Configuration, read now: document.currentScript is only set while this runs ----

  function findScript() {
    var current = document.currentScript;
    if (current && current.src) return current;
    var scripts = document.querySelectorAll('script[src]');
    for (var i = scripts.length - 1; i >= 0; i--) {
      if (/\/widget\.js(?:[?#]|$)/.test(scripts[i].src)) return scripts[i];
    }
    return null;
  }

  function apiBase(script) {
    var fallback = location.origin;
    try {
      if (script) fallback = new URL(script.src, location.href).origin;
      var given = ((script && script.getAttribute('data-api')) || '').trim();
      var url = new URL(given || fallback, location.href);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') return fallback;
      return (url.origin + url.pathname).replace(/\/+$/, '');
    } catch (e) {
      return fallback;
    }
  }

  // A number to call as written ("999", "+44 20 7946 0000"), or '' when it is not one.
  function phoneNumber(text) {
    var number = str(text).trim();
    return /^\+?[0-9](?:[0-9 ()-]{0,18}[0-9])?$/.test(number) ? number : '';
  }

  // The widget's lines: the service's, each replaced by the tag's translation when it gives one.
  function readLines(attr) {
    var lines = {};
    var given = SERVICE.lines && typeof SERVICE.lines === 'object' ? SERVICE.lines : {};
    Object.keys(given).forEach(function (name) {
      var own = attr(name.replace(/_/g, '-'));
      var usable = own && (name !== 'emergency' || own.indexOf(NUMBER_PLACE) >= 0); // the number is never lost
      lines[name] = usable ? own : str(given[name]);
    });
    return lines;
  }

  function readConfig(script) {
    var attr = function (name) {
      return ((script && script.getAttribute('data-' + name)) || '').trim().slice(0, MAX_ATTRIBUTE);
    };
    var accent = attr('accent');
    var colourOk = accent && window.CSS && CSS.supports && CSS.supports('color', accent);
    var lines = readLines(attr);
    var label = attr('label');
    return {
      api: apiBase(script),
      lines: lines,
      emergencyNumber: phoneNumber(attr('emergency-number')) || phoneNumber(SERVICE.emergencyNumber),
      accent: colourOk ? accent : '',
      position: attr('position') === 'left' ? 'left' : 'right',
      open: attr('open') === 'true',
      label: /^(false|off|none|no)$/i.test(label) ? '' : label || lines.title
    };
  }

  function str(value) { return typeof value === 'string' ? value : ''; }

  var config = readConfig(findScript());
  var LINES = config.lines;

  // ---- 2. Storage: sessionStorage when allowed, memory when it throws ----

  function makeStore(key) {
    var session = null;
    var memory = null;
    try {
      session = window.sessionStorage;
      session.getItem(key);
    } catch (e) {
      session = null;
    }
    return {
      load: function () {
        if (!session) return memory;
        try {
          return JSON.parse(session.getItem(key) || 'null');
        } catch (e) {
          return memory;
        }
      },
      clear: function () {
        memory = null;
        if (!session) return;
        try { session.removeItem(key); } catch (ignored) { /* blocked: nothing was kept there */ }
      },
      save: function (value) {
        memory = value;
        if (!session) return;
        try {
          session.setItem(key, JSON.stringify(value));
        } catch (e) { // full or blocked: keep going in memory
          try { session.removeItem(key); } catch (ignored) { /* nothing more to do */ }
          session = null;
        }
      }
    };
  }

  // ---- 3. Cleaning what arrives (from the API or from storage) ----

  function strings(value) {
    return Array.isArray(value) ? value.filter(function (v) { return typeof v === 'string'; }) : [];
  }

  function cleanPassage(raw) {
    var p = raw && typeof raw === 'object' ? raw : {};
    return {
      pack: str(p.pack),
      slide: typeof p.slide === 'number' ? p.slide : null,
      title: str(p.title),
      quotes: strings(p.quotes),
      source_line: str(p.source_line),
      source_short: str(p.source_short)
    };
  }

  function cleanReply(raw) {
    var r = raw && typeof raw === 'object' ? raw : {};
    return {
      kind: /^[a-z-]{1,20}$/.test(str(r.kind)) ? r.kind : 'fallback',
      text: str(r.text),
      notice: str(r.notice),
      suggestions: strings(r.suggestions),
      intro: strings(r.intro),
      passages: Array.isArray(r.passages) ? r.passages.map(cleanPassage) : [],
      lines: strings(r.lines),
      hints: strings(r.hints),
      call: str(r.call)
    };
  }

  function cleanSaved(raw) {
    var saved = raw && typeof raw === 'object' ? raw : {};
    var messages = Array.isArray(saved.messages) ? saved.messages : [];
    return {
      state: typeof saved.state === 'string' ? saved.state : null,
      open: typeof saved.open === 'boolean' ? saved.open : null,
      messages: messages.filter(function (m) { return m && typeof m === 'object'; }).map(function (m) {
        if (m.who === 'bot') return { who: 'bot', reply: cleanReply(m.reply) };
        return { who: m.who === 'error' || m.who === 'note' ? m.who : 'user', text: str(m.text) };
      }).slice(-MAX_KEPT)
    };
  }


  // ---- 4. Building elements (never innerHTML) ----

  function el(tag, className, attrs, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text != null) node.textContent = String(text);
    return node;
  }

  function icon(path) {
    var svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('class', 'icon');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    var shape = document.createElementNS(SVG, 'path');
    shape.setAttribute('d', path);
    svg.appendChild(shape);
    return svg;
  }

  function buildUI(cfg) {
    var host = document.createElement('mbcbot-widget');
    host.setAttribute('data-position', cfg.position);
    if (cfg.accent) host.style.setProperty('--mbcbot-accent', cfg.accent); // CSSOM, allowed under CSP
    var shadow = host.attachShadow({ mode: 'open' });
    var ui = { host: host, shadow: shadow };
    var style = { rel: 'stylesheet', href: cfg.api + str(SERVICE.style) };
    if (SERVICE.styleIntegrity) {
      style.integrity = str(SERVICE.styleIntegrity);
      style.crossorigin = 'anonymous';
    }
    ui.link = el('link', null, style);
    ui.root = el('div', 'root');
    ui.root.hidden = true; // shown once the stylesheet has loaded (no flash of unstyled widget)
    ui.launcher = el('button', 'launcher' + (cfg.label ? ' has-label' : ''), {
      type: 'button', 'aria-label': cfg.label || LINES.title, 'aria-expanded': 'false', 'aria-controls': 'mbcbot-panel'
    });
    ui.launcher.appendChild(icon(CHAT_ICON));
    if (cfg.label) ui.launcher.appendChild(el('span', 'launcher-label', { 'aria-hidden': 'true' }, cfg.label));
    ui.panel = el('div', 'panel', { id: 'mbcbot-panel', role: 'dialog', 'aria-label': LINES.title, 'aria-modal': 'false' });
    ui.panel.hidden = true;
    // Markup order is the Tab order: log, input, send, chips, new conversation, close. CSS shows the header on top.
    ui.log = el('div', 'log', { role: 'region', 'aria-label': LINES.conversation, tabindex: '0' });
    ui.status = el('p', 'status', { role: 'status' });
    ui.form = el('form', 'form', { novalidate: '' });
    ui.input = el('input', 'input', { id: 'mbcbot-input', type: 'text', name: 'message', autocomplete: 'off', enterkeyhint: 'send', placeholder: LINES.placeholder });
    ui.send = el('button', 'send', { type: 'submit', 'aria-disabled': 'false' }, LINES.send);
    ui.form.append(el('label', 'sr-only', { for: 'mbcbot-input' }, LINES.input_label), ui.input, ui.send);
    ui.chips = el('div', 'chips', { role: 'group', 'aria-label': LINES.suggestions });
    ui.restart = el('button', 'restart', { type: 'button' }, LINES.new_conversation);
    ui.close = el('button', 'close', { type: 'button', 'aria-label': LINES.close });
    ui.close.appendChild(icon(CLOSE_ICON));
    var header = el('div', 'header');
    header.append(el('h2', 'title', null, LINES.title), ui.restart, ui.close);
    // What to do in an emergency, always in sight under the header, whatever the conversation holds.
    ui.panel.append(ui.log, ui.status, ui.form, ui.chips, header, emergencyLine('banner'));
    ui.live = el('div', 'sr-only', { 'aria-live': 'polite', 'aria-atomic': 'true' });
    ui.root.append(ui.launcher, ui.panel, ui.live);
    shadow.append(ui.link, ui.root);
    return ui;
  }

  // ---- 5. Rendering messages ----

  // The reply's structure, as the service sends it: nothing here reads or rewrites its text. Elements
  // marked "say" are what is shown of a reply, and what a screen reader is told of it.
  function slideName(passage) {
    return passage.slide == null ? passage.title : (passage.title ? passage.title + ' (slide ' + passage.slide + ')' : 'Slide ' + passage.slide);
  }

  function renderLines(parent, lines, className) {
    lines.forEach(function (line) { parent.appendChild(el('p', className, null, line)); });
  }

  // `text` with the first `number` in it as a link a phone can call (dialling the digits alone).
  function withCallLink(node, text, number) {
    var at = number ? text.indexOf(number) : -1;
    var digits = number.replace(/[^0-9]/g, '');
    if (at < 0 || !digits) {
      node.textContent = text;
      return false;
    }
    node.append(text.slice(0, at), el('a', 'call', { href: 'tel:' + digits }, number), text.slice(at + number.length));
    return true;
  }

  // The widget's own emergency line, with the tag's number (or the service's) as a link.
  function emergencyLine(className) {
    var line = el('p', className);
    var parts = LINES.emergency.split(NUMBER_PLACE);
    withCallLink(line, parts[0] + config.emergencyNumber + parts.slice(1).join(config.emergencyNumber), config.emergencyNumber);
    return line;
  }

  function shownLines(reply) {
    return reply.lines.filter(function (line) { return reply.hints.indexOf(line) < 0; }); // the chips offer them
  }

  // The disclaimer, quiet and short; the whole notice one tap away.
  function disclaimer(reply) {
    var details = el('details', 'meta disclaimer');
    details.append(el('summary', 'say', null, LINES.notice_summary), el('p', 'notice', null, reply.notice));
    return details;
  }

  function renderPassages(bubble, reply) {
    renderLines(bubble, reply.intro, 'text say');
    reply.passages.forEach(function (passage) {
      var block = el('div', 'quote');
      block.appendChild(el('p', 'quote-title say', null, slideName(passage)));
      var quotes = el('blockquote', 'passage');
      renderLines(quotes, passage.quotes, 'say');
      block.appendChild(quotes);
      bubble.appendChild(block);
    });
    renderLines(bubble, shownLines(reply), 'text say');
    var sources = el('div', 'meta sources');
    var short = reply.passages.map(function (p) { return p.source_short || p.source_line; });
    renderLines(sources, short.filter(function (line, i) { return line && short.indexOf(line) === i; }), 'say');
    if (sources.firstChild) bubble.appendChild(sources);
  }

  function renderEmergency(bubble, reply, fresh) {
    var urgent = el('div', 'emergency', fresh ? { role: 'alert' } : null);
    var linked = false;
    var lines = reply.lines.length ? reply.lines : [reply.text || reply.notice];
    lines.forEach(function (line) {
      var node = el('p');
      if (linked) node.textContent = line;
      else linked = withCallLink(node, line, reply.call);
      urgent.appendChild(node);
    });
    bubble.appendChild(urgent);
  }

  // A reply bubble; `fresh` is true for a reply that has just arrived (not one restored).
  function renderReply(reply, fresh) {
    var bubble = el('div', 'msg bot kind-' + reply.kind);
    bubble.appendChild(el('span', 'sr-only', null, LINES.bot + ' '));
    if (reply.kind === 'emergency') {
      renderEmergency(bubble, reply, fresh);
      return bubble;
    }
    if (reply.passages.length) renderPassages(bubble, reply);
    else renderLines(bubble, reply.intro.concat(reply.lines.length ? shownLines(reply) : [reply.text]).filter(Boolean), 'text say');
    if (reply.notice) bubble.appendChild(disclaimer(reply));
    return bubble;
  }

  // A request that failed: why, and what to do in an emergency (the service is not there to say it).
  function renderFailure(text, fresh) {
    var bubble = el('div', 'msg error', fresh ? { role: 'alert' } : null);
    bubble.append(el('p', null, null, text), emergencyLine('urgent'));
    return bubble;
  }

  function renderMessage(message, fresh) {
    if (message.who === 'bot') return renderReply(message.reply, fresh);
    if (message.who === 'error') return renderFailure(message.text, fresh);
    if (message.who === 'note') return el('p', 'msg note', null, message.text);
    var bubble = el('p', 'msg user');
    bubble.append(el('span', 'sr-only', null, LINES.you + ' '), document.createTextNode(message.text));
    return bubble;
  }

  // What a screen reader is told of a reply: what it shows, in order.
  function spoken(bubble) {
    return Array.prototype.map.call(bubble.querySelectorAll('.say'), function (node) { return node.textContent; }).join(' ');
  }

  // ---- 6. Talking to the API ----

  function request(path, options) {
    var controller = typeof AbortController === 'function' ? new AbortController() : null;
    var timer = controller && setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    var init = Object.assign({ credentials: 'omit', cache: 'no-store', headers: { Accept: 'application/json' } }, options);
    if (controller) init.signal = controller.signal;
    return fetch(config.api + path, init).then(function (res) {
      return res.json().catch(function () { return null; }).then(function (body) {
        return { status: res.status, ok: res.ok, body: body };
      });
    }).finally(function () { clearTimeout(timer); });
  }

  function postChat(message, state) {
    return request('/api/v1/chat', {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: JSON.stringify({ message: message, state: state || null })
    });
  }

  function errorCode(res) {
    var error = res.body && res.body.error;
    return error && typeof error === 'object' ? str(error.code) : '';
  }

  // One honest line for each way a request can fail (the emergency line goes with every one).
  function failureText(res, thrown) {
    if (thrown) return thrown.name === 'AbortError' ? LINES.timeout : LINES.unavailable;
    if (res.status === 429) return LINES.slow_down;
    if (res.status === 413 || errorCode(res) === 'message_too_long') return LINES.too_long;
    if (res.status >= 400 && res.status < 500) return LINES.not_sent;
    return LINES.unavailable;
  }

  // ---- 7. The widget: state, events and behaviour ----

  function start(cfg) {
    var store = makeStore('mbcbot:v1:' + cfg.api);
    var data = cleanSaved(store.load());
    var ui = buildUI(cfg);
    var phone = window.matchMedia ? window.matchMedia(PHONE) : null;
    var busy = false;
    var conversation = 0; // counts new conversations: a reply to an earlier one is dropped
    var topics = null; // topic titles, fetched the first time an empty conversation is opened
    var announceTimer = null;

    function save() {
      data.messages = data.messages.slice(-MAX_KEPT);
      store.save(data);
    }

    // Polite, once: the region is emptied first, filled a moment later, emptied again later.
    function announce(text) {
      clearTimeout(announceTimer);
      ui.live.textContent = '';
      announceTimer = setTimeout(function () {
        ui.live.textContent = text;
        announceTimer = setTimeout(function () { ui.live.textContent = ''; }, 3000);
      }, 100);
    }

    // The last reply's suggestions; the topics in an empty conversation, and after advice that names no slide
    // (a next step the person can take).
    function renderChips() {
      var last = data.messages.filter(function (m) { return m.who === 'bot'; }).pop();
      var offered = last && !last.reply.suggestions.length && last.reply.kind === 'advice' ? topics : null;
      var list = offered || (last ? last.reply.suggestions : data.messages.length ? [] : topics) || [];
      ui.chips.textContent = '';
      list.slice(0, MAX_CHIPS).forEach(function (text) {
        ui.chips.appendChild(el('button', 'chip', { type: 'button' }, text));
      });
      ui.chips.hidden = ui.chips.childElementCount === 0;
    }

    function renderAll() {
      ui.log.textContent = '';
      if (!data.messages.length) ui.log.appendChild(el('p', 'intro', null, LINES.intro));
      data.messages.forEach(function (m) { ui.log.appendChild(renderMessage(m, false)); });
      renderChips();
    }

    // Scrolling the log (never the page, never the focus).
    function scrollToEnd() { ui.log.scrollTop = ui.log.scrollHeight; }
    function scrollToStartOf(node) { ui.log.scrollTop = Math.max(0, node.offsetTop - 12); }

    function add(message) {
      if (!data.messages.length) ui.log.textContent = ''; // drop the intro
      data.messages.push(message);
      save();
      var node = renderMessage(message, true);
      ui.log.appendChild(node);
      renderChips();
      if (message.who === 'user') scrollToEnd();
      else scrollToStartOf(message.who === 'bot' ? node.previousElementSibling || node : node);
      return node;
    }

    function setBusy(on) {
      busy = on;
      ui.status.textContent = on ? LINES.sending : '';
      ui.send.setAttribute('aria-disabled', String(on));
    }

    function received(res, message, fromInput) {
      var body = res.body;
      if (!(res.ok && body && body.reply && typeof body.reply === 'object')) {
        failed(failureText(res, null), message, fromInput);
        return;
      }
      data.state = typeof body.state === 'string' ? body.state : null;
      var said = [];
      if (body.state_reset === true) { // the service no longer knows what came before: say so
        add({ who: 'note', text: LINES.restarted });
        said.push(LINES.restarted);
      }
      var reply = cleanReply(body.reply);
      var bubble = add({ who: 'bot', reply: reply });
      if (reply.kind !== 'emergency') announce(said.concat(spoken(bubble)).join(' ')); // emergencies are alerts
    }

    function failed(text, message, fromInput) {
      add({ who: 'error', text: text }); // an alert: read out at once, with the emergency line
      if (fromInput && !ui.input.value) ui.input.value = message; // give the words back to edit or resend
    }

    function sendMessage(text, fromInput) {
      var message = str(text).trim();
      if (!message || busy) return;
      loadTopics(); // for the chips after advice, if the topics have not come yet
      var asked = conversation;
      var current = function (then) { return function (value) { if (asked === conversation) then(value); }; };
      if (fromInput) ui.input.value = '';
      add({ who: 'user', text: message });
      setBusy(true);
      postChat(message, data.state)
        .then(current(function (res) { received(res, message, fromInput); }))
        .catch(current(function (err) { failed(failureText(null, err || {}), message, fromInput); }))
        .catch(function () { /* never let a rendering problem escape */ })
        .then(current(function () { setBusy(false); }));
    }

    // A new conversation: nothing of the last one is shown, kept or sent again.
    function startOver() {
      conversation += 1;
      data = { state: null, open: data.open, messages: [] };
      store.clear(); // nothing of it is left on the device
      setBusy(false);
      ui.input.value = '';
      renderAll();
      loadTopics();
      ui.input.focus();
      announce(LINES.intro);
    }

    function loadTopics() {
      if (topics) return;
      topics = [];
      request('/api/v1/topics', { method: 'GET' }).then(function (res) {
        var list = res.ok && res.body && Array.isArray(res.body.topics) ? res.body.topics : [];
        topics = list.map(function (t) { return t && str(t.title); }).filter(function (t, i, all) {
          return t && all.indexOf(t) === i;
        });
        renderChips();
      }).catch(function () { topics = null; /* no topic chips yet; the input still works */ });
    }

    // On a phone the open panel covers the page: it is a modal dialog, and Tab stays inside it.
    function covering() { return !ui.panel.hidden && !!phone && phone.matches; }

    function focusable() {
      var nodes = ui.panel.querySelectorAll('a[href], button, input, summary, [tabindex="0"]');
      return Array.prototype.filter.call(nodes, function (node) { return node.getClientRects().length > 0; });
    }

    function keptInside(event) {
      var nodes = focusable();
      if (!nodes.length) return;
      var first = nodes[0];
      var last = nodes[nodes.length - 1];
      var active = ui.shadow.activeElement;
      var inside = nodes.indexOf(active) >= 0;
      if (event.shiftKey && (active === first || !inside)) last.focus();
      else if (!event.shiftKey && (active === last || !inside)) first.focus();
      else return;
      event.preventDefault();
    }

    function markModal() { ui.panel.setAttribute('aria-modal', String(covering())); }

    // Opening moves focus to the input and closing back to the launcher, but only
    // when the person asked for it (fromUser); nothing else ever moves focus.
    function setOpen(open, fromUser) {
      data.open = open;
      if (fromUser) save(); // the person's choice is remembered (for the next page), not the widget's own
      ui.panel.hidden = !open;
      ui.root.classList.toggle('is-open', open);
      ui.launcher.setAttribute('aria-expanded', String(open));
      markModal();
      if (open) {
        loadTopics();
        scrollToEnd();
        if (fromUser) ui.input.focus();
      } else if (fromUser) {
        ui.launcher.focus();
      }
    }

    ui.launcher.addEventListener('click', function () { setOpen(ui.panel.hidden, true); });
    ui.close.addEventListener('click', function () { setOpen(false, true); });
    ui.restart.addEventListener('click', startOver);
    ui.root.addEventListener('keydown', function (event) {
      if ((event.key === 'Escape' || event.key === 'Esc') && !ui.panel.hidden) {
        event.preventDefault();
        setOpen(false, true);
      } else if (event.key === 'Tab' && covering()) {
        keptInside(event);
      }
    });
    // Focus that leaves the covering panel (a click or a screen reader's move to the page behind) comes back.
    document.addEventListener('focusin', function (event) {
      if (covering() && event.target !== ui.host) ui.input.focus();
    });
    if (phone && phone.addEventListener) phone.addEventListener('change', markModal);
    ui.form.addEventListener('submit', function (event) {
      event.preventDefault();
      sendMessage(ui.input.value, true);
    });
    ui.chips.addEventListener('click', function (event) {
      var chip = event.target.closest ? event.target.closest('.chip') : null;
      if (!chip) return;
      // The chips are replaced when the reply comes; a keyboard user goes on from the input.
      if (event.detail === 0) ui.input.focus();
      sendMessage(chip.textContent, false);
    });
    var shown = function () { ui.root.hidden = false; if (!ui.panel.hidden) scrollToEnd(); };
    ui.link.addEventListener('load', shown);
    ui.link.addEventListener('error', shown); // unstyled but usable beats invisible

    renderAll();
    document.body.appendChild(ui.host);
    // Open again only if the person left it open, and never over the whole page of a phone on its own.
    var open = data.open === null ? cfg.open : data.open;
    setOpen(open && !(phone && phone.matches), false);
  }

  // ---- 8. Start when <body> exists (async scripts can run before it does) ----

  function boot() {
    try {
      start(config);
    } catch (err) {
      if (window.console) console.error('mbcbot widget could not start:', err);
    }
  }

  if (document.body) boot();
  else document.addEventListener('DOMContentLoaded', boot);
})();
