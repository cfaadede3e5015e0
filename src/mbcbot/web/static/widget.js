/*
 * mbcbot chat widget. Embed with one tag:
 *
 *   <script src="https://HOST/widget.js" data-api="https://HOST" async></script>
 *
 * Options (data attributes on that tag):
 *   data-api       where the mbcbot API lives (default: the origin this script came from)
 *   data-title     the panel's title (default "Ask about metastatic breast cancer")
 *   data-accent    a CSS colour for buttons and header (sets --mbcbot-accent)
 *   data-position  "right" (default) or "left"
 *   data-open      "true" to start with the panel open
 *
 * Plain JavaScript, no dependencies, no third-party requests. All text goes in with
 * textContent; styles come from {api}/widget.css inside a shadow root (CSP-friendly:
 * no inline styles, no eval). The conversation lives in sessionStorage, or in memory
 * when storage is blocked.
 */
(function () {
  'use strict';

  var DEFAULT_TITLE = 'Ask about metastatic breast cancer';
  var MAX_KEPT = 100; // messages kept in storage
  var MAX_CHIPS = 12;
  var TIMEOUT_MS = 20000;
  var SVG = 'http://www.w3.org/2000/svg';
  var CHAT_ICON = 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z';
  var CLOSE_ICON = 'M6.4 5 5 6.4 10.6 12 5 17.6 6.4 19 12 13.4 17.6 19 19 17.6 13.4 12 19 6.4 17.6 5 12 10.6z';
  // The bot's own words (what it is, what to do in an emergency) come from the service's reviewed knowledge.
  var LINES = { intro: '', unreachable: '' };

  // Load once, even if the tag is on the page twice; bail out on browsers without Shadow DOM.
  if (window.mbcbotWidget || !Element.prototype.attachShadow || !window.fetch) return;
  window.mbcbotWidget = { version: 1 };

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

  function readConfig(script) {
    var attr = function (name) { return ((script && script.getAttribute('data-' + name)) || '').trim(); };
    var accent = attr('accent');
    var colourOk = accent && window.CSS && CSS.supports && CSS.supports('color', accent);
    return {
      api: apiBase(script),
      title: attr('title').slice(0, 100) || DEFAULT_TITLE,
      accent: colourOk ? accent : '',
      position: attr('position') === 'left' ? 'left' : 'right',
      open: attr('open') === 'true'
    };
  }

  var config = readConfig(findScript());

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

  function str(value) { return typeof value === 'string' ? value : ''; }

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
      source_line: str(p.source_line)
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
      lines: strings(r.lines)
    };
  }

  function cleanSaved(raw) {
    var saved = raw && typeof raw === 'object' ? raw : {};
    var messages = Array.isArray(saved.messages) ? saved.messages : [];
    return {
      state: typeof saved.state === 'string' ? saved.state : null,
      open: typeof saved.open === 'boolean' ? saved.open : null,
      messages: messages.filter(function (m) { return m && typeof m === 'object'; }).map(function (m) {
        return m.who === 'bot' ? { who: 'bot', reply: cleanReply(m.reply) } : { who: m.who === 'error' ? 'error' : 'user', text: str(m.text) };
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
    var ui = { host: host };
    ui.link = el('link', null, { rel: 'stylesheet', href: cfg.api + '/widget.css' });
    ui.root = el('div', 'root');
    ui.root.hidden = true; // shown once the stylesheet has loaded (no flash of unstyled widget)
    ui.launcher = el('button', 'launcher', { type: 'button', 'aria-label': cfg.title, 'aria-expanded': 'false', 'aria-controls': 'mbcbot-panel' });
    ui.launcher.appendChild(icon(CHAT_ICON));
    ui.panel = el('div', 'panel', { id: 'mbcbot-panel', role: 'dialog', 'aria-label': cfg.title, 'aria-modal': 'false' });
    ui.panel.hidden = true;
    // Markup order is the Tab order: log, input, send, chips, close. CSS shows the header on top.
    ui.log = el('div', 'log', { role: 'region', 'aria-label': 'Conversation', tabindex: '0' });
    ui.status = el('p', 'status', { role: 'status' });
    ui.form = el('form', 'form', { novalidate: '' });
    ui.input = el('input', 'input', { id: 'mbcbot-input', type: 'text', name: 'message', autocomplete: 'off', enterkeyhint: 'send', placeholder: 'Type your question' });
    ui.send = el('button', 'send', { type: 'submit', 'aria-disabled': 'false' }, 'Send');
    ui.form.append(el('label', 'sr-only', { for: 'mbcbot-input' }, 'Your question'), ui.input, ui.send);
    ui.chips = el('div', 'chips', { role: 'group', 'aria-label': 'Suggestions' });
    ui.close = el('button', 'close', { type: 'button', 'aria-label': 'Close chat' });
    ui.close.appendChild(icon(CLOSE_ICON));
    var header = el('div', 'header');
    header.append(el('h2', 'title', null, cfg.title), ui.close);
    ui.panel.append(ui.log, ui.status, ui.form, ui.chips, header);
    ui.live = el('div', 'sr-only', { 'aria-live': 'polite', 'aria-atomic': 'true' });
    ui.root.append(ui.launcher, ui.panel, ui.live);
    shadow.append(ui.link, ui.root);
    return ui;
  }

  // ---- 5. Rendering messages ----

  // The reply's structure, as the service sends it: nothing here reads or rewrites its text.
  function slideName(passage) {
    return passage.slide == null ? passage.title : (passage.title ? passage.title + ' (slide ' + passage.slide + ')' : 'Slide ' + passage.slide);
  }

  function renderLines(bubble, lines, className) {
    lines.forEach(function (line) { bubble.appendChild(el('p', className, null, line)); });
  }

  function renderPassages(bubble, reply) {
    renderLines(bubble, reply.intro, 'text');
    reply.passages.forEach(function (passage) {
      var block = el('div', 'quote');
      block.appendChild(el('p', 'quote-title', null, slideName(passage)));
      var quotes = el('blockquote', 'passage');
      passage.quotes.forEach(function (quote) { quotes.appendChild(el('p', null, null, quote)); });
      block.appendChild(quotes);
      bubble.appendChild(block);
    });
    renderLines(bubble, reply.lines, 'text');
    var sources = el('div', 'meta sources');
    renderLines(sources, reply.passages.map(function (p) { return p.source_line; }).filter(Boolean), null);
    if (sources.firstChild) bubble.appendChild(sources);
    if (reply.notice) bubble.appendChild(el('p', 'meta notice', null, reply.notice));
  }

  // A reply bubble; `fresh` is true for a reply that has just arrived (not one restored).
  function renderReply(reply, fresh) {
    var bubble = el('div', 'msg bot kind-' + reply.kind);
    bubble.appendChild(el('span', 'sr-only', null, 'mbcbot: '));
    var framing = reply.lines.length ? reply.lines : [reply.text].filter(Boolean);
    if (reply.kind === 'emergency') {
      var urgent = el('div', 'emergency', fresh ? { role: 'alert' } : null);
      renderLines(urgent, framing.length ? framing : [reply.notice], null);
      bubble.appendChild(urgent);
    } else if (reply.passages.length) renderPassages(bubble, reply);
    else renderLines(bubble, reply.intro.concat(framing), 'text');
    return bubble;
  }

  function renderMessage(message, fresh) {
    if (message.who === 'bot') return renderReply(message.reply, fresh);
    if (message.who === 'error') return el('p', 'msg error', null, message.text);
    var bubble = el('p', 'msg user');
    bubble.append(el('span', 'sr-only', null, 'You: '), document.createTextNode(message.text));
    return bubble;
  }

  // ---- 6. Talking to the API ----

  function request(path, options) {
    var controller = typeof AbortController === 'function' ? new AbortController() : null;
    var timer = controller && setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    var init = Object.assign({ credentials: 'omit', cache: 'no-store', headers: { Accept: 'application/json' } }, options);
    if (controller) init.signal = controller.signal;
    return fetch(config.api + path, init).then(function (res) {
      return res.json().catch(function () { return null; }).then(function (body) {
        return { status: res.status, ok: res.ok, body: body, retryAfter: res.headers.get('Retry-After') };
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

  // A clear sentence for each way a request can fail.
  function failureText(res, thrown) {
    if (thrown) {
      return thrown.name === 'AbortError'
        ? 'Sorry, the answer is taking too long. Please try again. ' + LINES.unreachable
        : 'Sorry, I could not reach the service. Please check your connection and try again. ' + LINES.unreachable;
    }
    if (res.status === 429) {
      var seconds = parseInt(res.retryAfter, 10);
      var wait = seconds > 0 ? 'about ' + seconds + (seconds === 1 ? ' second' : ' seconds') : 'a moment';
      return 'You are sending messages quickly. Please wait ' + wait + ' and try again.';
    }
    if (res.status === 413 || errorCode(res) === 'message_too_long') {
      return 'That message is too long. Please ask one short question at a time.';
    }
    if (res.status >= 400 && res.status < 500) return 'Sorry, that message could not be sent. Please try again.';
    return 'Sorry, something went wrong on our side. Please try again in a moment. ' + LINES.unreachable;
  }

  // ---- 7. The widget: state, events and behaviour ----

  function start(cfg) {
    var store = makeStore('mbcbot:v1:' + cfg.api);
    var data = cleanSaved(store.load());
    var ui = buildUI(cfg);
    var busy = false;
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

    function renderChips() {
      var last = data.messages.filter(function (m) { return m.who === 'bot'; }).pop();
      var list = last ? last.reply.suggestions : data.messages.length ? [] : topics || [];
      ui.chips.textContent = '';
      list.slice(0, MAX_CHIPS).forEach(function (text) {
        ui.chips.appendChild(el('button', 'chip', { type: 'button' }, text));
      });
      ui.chips.hidden = ui.chips.childElementCount === 0;
    }

    function renderIntro() {
      ui.log.appendChild(el('p', 'intro', null, 'Ask a question in your own words, or choose a topic below. ' + LINES.intro));
    }

    function renderAll() {
      ui.log.textContent = '';
      if (!data.messages.length) renderIntro();
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
      else scrollToStartOf(node.previousElementSibling || node);
    }

    function setBusy(on) {
      busy = on;
      ui.status.textContent = on ? 'Sending…' : '';
      ui.send.setAttribute('aria-disabled', String(on));
    }

    function received(res, message, fromInput) {
      if (res.ok && res.body && res.body.reply && typeof res.body.reply === 'object') {
        data.state = typeof res.body.state === 'string' ? res.body.state : null;
        var reply = cleanReply(res.body.reply);
        add({ who: 'bot', reply: reply });
        if (reply.kind !== 'emergency') announce(reply.text); // emergencies announce through role="alert"
        return;
      }
      failed(failureText(res, null), message, fromInput);
    }

    function failed(text, message, fromInput) {
      add({ who: 'error', text: text });
      announce(text);
      if (fromInput && !ui.input.value) ui.input.value = message; // give the words back to edit or resend
    }

    function sendMessage(text, fromInput) {
      var message = str(text).trim();
      if (!message || busy) return;
      if (fromInput) ui.input.value = '';
      add({ who: 'user', text: message });
      setBusy(true);
      postChat(message, data.state)
        .then(function (res) { received(res, message, fromInput); })
        .catch(function (err) { failed(failureText(null, err || {}), message, fromInput); })
        .catch(function () { /* never let a rendering problem escape */ })
        .then(function () { setBusy(false); });
    }

    function loadTopics() {
      if (topics) return;
      topics = [];
      request('/api/v1/topics', { method: 'GET' }).then(function (res) {
        var lines = res.ok && res.body && res.body.lines ? res.body.lines : {};
        LINES.intro = str(lines.intro);
        LINES.unreachable = str(lines.unreachable);
        if (!data.messages.length) renderAll();
        var list = res.ok && res.body && Array.isArray(res.body.topics) ? res.body.topics : [];
        topics = list.map(function (t) { return t && str(t.title); }).filter(function (t, i, all) {
          return t && all.indexOf(t) === i;
        });
        renderChips();
      }).catch(function () { /* no topic chips; the input still works */ });
    }

    // Opening moves focus to the input and closing back to the launcher, but only
    // when the person asked for it (fromUser); nothing else ever moves focus.
    function setOpen(open, fromUser) {
      data.open = open;
      save();
      ui.panel.hidden = !open;
      ui.root.classList.toggle('is-open', open);
      ui.launcher.setAttribute('aria-expanded', String(open));
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
    ui.root.addEventListener('keydown', function (event) {
      if ((event.key === 'Escape' || event.key === 'Esc') && !ui.panel.hidden) {
        event.preventDefault();
        setOpen(false, true);
      }
    });
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
    setOpen(data.open === null ? cfg.open : data.open, false);
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
