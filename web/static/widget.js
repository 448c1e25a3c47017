/* Clinic chat widget. Embed with one tag:
 *   <script src="https://BOT-HOST/widget.js" async data-title="…" data-accent="#0f5c6e"
 *           data-position="right" data-greeting="…"></script>
 * It adds a launcher and a chat panel inside a shadow root, so the page's CSS cannot restyle
 * it. Everything from a patient or an article is set as text (textContent), never as HTML.
 * With data-mode="inline" it fills the element matching data-target (default
 * [data-clinic-chat]) instead: the bot's own full-page chat uses that.
 * The server fills in CONFIG and CSS when it serves this file. */
(function () {
  "use strict";
  var CONFIG = /*CONFIG*/ {};
  var CSS = /*CSS*/ "";
  var script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  if (!script || window.ClinicChat) return;
  var opts = script.dataset || {};
  var BASE = new URL(script.src, location.href).origin;
  var KEY = "clinic-chat:v1";
  var MAX_ITEMS = 30;
  var UNAVAILABLE = "The chat is unavailable right now. Please contact the clinic directly.";
  var reduceMotion = window.matchMedia && matchMedia("(prefers-reduced-motion: reduce)").matches;

  /* Sentence highlighting: the same algorithm as bot/highlight.py (a test compares them). */
  var STOP = new Set(("a about after again all also am an and any are as at be been before being " +
    "but by can could did do does doing for from get got had has have having how i if in into " +
    "is it its just me more most my no not of on or our out should so some such than that the " +
    "their them then there these they this those to too up us very was we were what when where " +
    "which while who why will with would you your").split(" "));
  var ABBR = new Set("dr mr mrs ms prof st vs etc e.g i.e no approx fig al inc ltd pty jr sr mt assoc".split(" "));
  var BOUNDARY = /[.!?]["'”’)\]]*\s+(?=["'“‘(\[]?[A-Z0-9])/g;

  function sentences(text) {
    var out = [], start = 0, m;
    BOUNDARY.lastIndex = 0;
    while ((m = BOUNDARY.exec(text))) {
      var word = /([A-Za-z.]+)$/.exec(text.slice(start, m.index));
      var last = word ? word[1] : "";
      if (ABBR.has(last.toLowerCase()) || /^[A-Z]$/.test(last)) continue;
      out.push(text.slice(start, m.index + m[0].length));
      start = m.index + m[0].length;
    }
    if (start < text.length) out.push(text.slice(start));
    return out;
  }
  function stem(w) {
    if (w.length > 4 && /ies$/.test(w)) return w.slice(0, -3) + "y";
    if (w.length > 3 && /s$/.test(w) && !/(ss|us|is)$/.test(w)) return w.slice(0, -1);
    return w;
  }
  function terms(text) {
    var found = new Set();
    (text.toLowerCase().match(/[a-z0-9]+/g) || []).forEach(function (w) {
      if (!STOP.has(w)) found.add(stem(w));
    });
    return found;
  }
  function highlight(question, text) {
    var asked = terms(question), parts = sentences(text), left = 2;
    var scores = parts.map(function (p) {
      var n = 0;
      terms(p).forEach(function (t) { if (asked.has(t)) n++; });
      return n;
    });
    var best = Math.max.apply(null, scores.concat([0]));
    return parts.map(function (p, i) {
      var hit = best > 0 && scores[i] === best && left > 0;
      if (hit) left--;
      return [p, hit];
    });
  }
  var LONG_CHARS = 400, MOST = 0.75;
  function excerpt(question, text) { return shorten(highlight(question, text)); }
  function shorten(marked) {
    var length = marked.reduce(function (n, m) { return n + m[0].length; }, 0), keep = [];
    if (length <= LONG_CHARS) return null;
    marked.forEach(function (m, i) { if (m[1]) keep.push(i); });
    if (!keep.length) keep = [0];
    var size = keep.reduce(function (n, i) { return n + marked[i][0].length; }, 0);
    if (size >= MOST * length) return null;
    var shown = [], after = 0;
    keep.forEach(function (i) {
      if (i > after) shown.push(["… ", false]);
      shown.push([marked[i][0].replace(/\s+$/, "") + " ", marked[i][1]]);
      after = i + 1;
    });
    if (after < marked.length) shown.push(["…", false]);
    return shown;
  }

  /* DOM helpers: text only. */
  function el(tag, attrs, kids) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v == null || v === false) return;
      if (k === "text") node.textContent = v;
      else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    });
    (kids || []).forEach(function (kid) {
      if (kid) node.appendChild(typeof kid === "string" ? document.createTextNode(kid) : kid);
    });
    return node;
  }
  function safeUrl(url) {
    try {
      var u = new URL(url, BASE);
      return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
    } catch (e) {
      return null;
    }
  }
  function niceDate(value) {
    var m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value || "");
    if (!m) return value;
    return new Date(+m[1], m[2] - 1, +m[3]).toLocaleDateString("en-AU", {
      day: "numeric", month: "long", year: "numeric"
    });
  }
  function tel(number) {
    var digits = String(number).replace(/[^\d+]/g, "");
    return digits ? "tel:" + digits : null;
  }
  function onAccent(hex) {
    var h = hex.slice(1);
    if (h.length === 3) h = h.replace(/./g, "$&$&");
    var lum = [0, 2, 4].map(function (i) {
      var c = parseInt(h.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    var L = 0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2];
    return 1.05 / (L + 0.05) >= (L + 0.05) / 0.0622 ? "#fff" : "#111";
  }

  /* State, kept in sessionStorage so the conversation survives page navigation. */
  var state = load();
  function load() {
    try {
      var saved = JSON.parse(sessionStorage.getItem(KEY));
      if (saved && Array.isArray(saved.items)) return saved;
    } catch (e) { /* storage blocked or corrupt: start afresh */ }
    return { cid: null, open: false, items: [], sugg: null };
  }
  function save() {
    state.items = state.items.slice(-MAX_ITEMS);
    try { sessionStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { /* private mode */ }
  }
  function post(path, body) {
    return fetch(BASE + path, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (res.ok) return data;
        var e = new Error(res.status === 422 && !data.fields ? "Please type a question of up to 1,000 characters."
          : typeof data.detail === "string" ? data.detail : UNAVAILABLE);
        e.fields = data.fields;
        throw e;
      });
    });
  }

  /* Rendering one exchange. */
  function marked(cls, segments) {
    var text = el("p", { class: cls });
    segments.forEach(function (s) {
      var body = s[1] ? s[0].replace(/\s+$/, "") : "";
      if (body) text.appendChild(el("mark", { text: body }));
      if (s[0].length > body.length) text.appendChild(document.createTextNode(s[0].slice(body.length)));
    });
    return text;
  }
  function table(t) {
    var cols = t.header.length;
    return el("table", { class: "cc-table" }, [
      el("thead", {}, [el("tr", {}, t.header.map(function (h) { return el("th", { scope: "col", text: h }); }))]),
      el("tbody", {}, t.rows.map(function (r) {
        return el("tr", {}, r.slice(0, Math.max(cols, 1)).map(function (c, i) {
          return el(i ? "td" : "th", i ? { text: c } : { scope: "row", text: c });
        }));
      }))
    ]);
  }
  function body(question, p) {
    if (p.table && p.table.header && p.table.rows) {
      return [p.table.lead ? el("p", { class: "cc-passage", text: p.table.lead }) : null, table(p.table)];
    }
    var segments = highlight(question, p.text);
    var whole = marked("cc-passage", segments), short = shorten(segments);
    if (!short) return [whole];
    return [marked("cc-passage cc-excerpt", short), el("details", { class: "cc-more" }, [
      el("summary", {}, [el("span", { class: "cc-show", text: "Show more" }),
        el("span", { class: "cc-hide", text: "Show less" })]), whole])];
  }
  function card(question, p) {
    var src = p.source || {};
    var label = src.section && src.section !== src.title ? src.title + " — " + src.section : src.title;
    var href = safeUrl(src.url);
    var link = href
      ? el("a", { href: href, target: "_blank", rel: "noopener" },
          [label, el("span", { class: "cc-sr", text: " (opens in a new tab)" })])
      : label;
    var dates = [];
    if (p.reviewed_on) dates.push("Medically reviewed " + niceDate(p.reviewed_on));
    if (p.published) dates.push("Published " + niceDate(p.published));
    return el("article", { class: "cc-card", "aria-label": "Passage from " + label }, body(question, p).concat([
      el("p", { class: "cc-source" }, ["Source: ", link]),
      dates.length ? el("p", { class: "cc-date", text: dates.join(" · ") }) : null,
      p.cites && p.cites.length
        ? el("ul", { class: "cc-cites", "aria-label": "Sources this passage cites" },
            p.cites.map(function (c) { return el("li", { class: "cc-chip", text: c }); }))
        : null
    ]));
  }
  function urgentCard(reply, fresh) {
    var actions = [el("a", { class: "cc-call", href: tel(CONFIG.emergencyNumber), text: "Call " + CONFIG.emergencyNumber })];
    [CONFIG.crisisLine, CONFIG.afterHoursNumber].forEach(function (n) {
      if (n && reply.message.indexOf(n) >= 0 && tel(n)) {
        actions.push(el("a", { class: "cc-call", href: tel(n), text: "Call " + n }));
      }
    });
    var u = reply.urgent, translated = u && u.translation
      ? el("p", { class: "cc-translation", lang: u.language, dir: "auto", text: u.translation })
      : null;
    return el("div", { class: "cc-urgent", role: fresh ? "alert" : null }, [
      el("h3", { text: "Get help now" }),
      translated,
      el("p", { text: reply.message }),
      el("p", {}, actions)
    ]);
  }
  function feedback(item) {
    var id = "cc-fb-" + item.r.query_id, after = el("div", {});
    function send(comment) {
      post("/api/feedback", { query_id: item.r.query_id, helpful: item.fb, comment: comment || null })
        .catch(function () { /* the answer stays on screen; nothing to trouble the patient with */ });
      save();
      drawComment();
    }
    var buttons = [["Yes", true], ["No", false]].map(function (b) {
      var button = el("button", {
        type: "button", text: b[0], "aria-pressed": String(item.fb === b[1]),
        onclick: function () {
          item.fb = b[1];
          buttons.forEach(function (x) { x.setAttribute("aria-pressed", String(x === button)); });
          send(null);
        }
      });
      return button;
    });
    function drawComment() {
      after.textContent = "";
      if (item.fb == null) return;
      if (item.fb === false && item.r.kind === "answer" && item.r.own_case !== true) {
        after.appendChild(offer(item.q));
      }
      if (item.fc) return after.appendChild(el("p", { text: "Thank you, your comment was sent." }));
      var input = el("input", { id: id + "-c", type: "text", maxlength: "500", autocomplete: "off" });
      after.appendChild(el("form", {
        class: "cc-feedback", onsubmit: function (ev) {
          ev.preventDefault();
          if (!input.value.trim()) return input.focus();
          item.fc = true;
          send(input.value.trim());
        }
      }, [
        el("label", { for: id + "-c", text: "Thanks! Anything to add? (optional)" }),
        input,
        el("button", { type: "submit", text: "Send comment" })
      ]));
    }
    drawComment();
    return el("div", { class: "cc-fb" }, [
      el("div", { class: "cc-feedback", role: "group", "aria-labelledby": id },
        [el("span", { id: id, text: "Was this helpful?" })].concat(buttons)),
      after
    ]);
  }
  function replyNode(item, fresh) {
    var r = item.r, box = el("div", { class: "cc-msg cc-bot" });
    if (!r) {
      box.appendChild(el("p", { class: "cc-error", text: item.err || UNAVAILABLE }));
      return box;
    }
    if (r.kind === "urgent") {
      box.appendChild(urgentCard(r, fresh));
      return box;
    }
    if (r.language_notice) box.appendChild(el("p", { class: "cc-lang", dir: "auto", text: r.language_notice }));
    if (r.kind === "no_answer") box.appendChild(el("div", { class: "cc-notice" }, [el("p", { text: r.message })]));
    else box.appendChild(el("p", { text: r.message }));
    if (r.own_case === true) {
      box.appendChild(el("div", { class: "cc-consult" }, [
        el("p", {}, [el("strong", { text: "About your own situation: " }), CONFIG.consultText])
      ]));
    }
    (r.passages || []).forEach(function (p) { box.appendChild(card(item.q, p)); });
    if (r.kind === "no_answer" || r.own_case === true) box.appendChild(offer(item.q));
    box.appendChild(feedback(item));
    return box;
  }
  function offer(q) {
    return el("p", { class: "cc-offer" }, [el("button", {
      type: "button", class: "cc-callback", text: "Ask the clinic to call me",
      onclick: function () { callback(q); }
    })]);
  }

  /* "Ask the clinic to call me": a short form in the conversation, sent to /api/callback. */
  var FIELDS = [
    ["name", "Your name", "text", "name", "100"],
    ["phone", "Phone number", "tel", "tel", "40"],
    ["email", "E-mail address", "email", "email", "254"]
  ];
  function callback(q) {
    var old = log.querySelector(".cc-cb");
    if (old) old.remove();
    var box = el("div", { class: "cc-msg cc-bot cc-cb", role: "group", "aria-labelledby": "cc-cb-title" },
      [el("h3", { id: "cc-cb-title", text: "Ask the clinic to call you" }), el("p", { text: "Loading…" })]);
    log.appendChild(box);
    scrollTo(box);
    fetch(BASE + "/api/callback").then(function (r) {
      if (!r.ok) throw new Error(UNAVAILABLE);
      return r.json();
    }).then(function (o) { drawCallback(box, o, q); })
      .catch(function () { box.lastChild.textContent = UNAVAILABLE; });
  }
  function drawCallback(box, o, q) {
    box.lastChild.remove();
    var controls = {}, errors = {};
    function field(name, label, control, hint) {
      var id = "cc-cb-" + name;
      control.id = id;
      controls[name] = control;
      errors[name] = el("p", { class: "cc-cb-error", id: id + "-error", hidden: true });
      var described = (hint ? id + "-hint " : "") + id + "-error";
      control.setAttribute("aria-describedby", described);
      return el("div", { class: "cc-cb-field" }, [
        el("label", { for: id, text: label }),
        hint ? el("p", { class: "cc-cb-hint", id: id + "-hint", text: hint }) : null,
        errors[name], control
      ]);
    }
    var parts = [el("p", { class: "cc-cb-status cc-cb-hint", text: o.status })];
    FIELDS.forEach(function (f) {
      var input = el("input", { name: f[0], type: f[2], autocomplete: f[3], maxlength: f[4] });
      parts.push(field(f[0], f[1], input, f[0] === "phone" ? "A phone number or an e-mail address (or both)." : null));
    });
    var when = el("select", { name: "preferred_time" }, o.choices.map(function (c) {
      return el("option", { value: c.value, text: c.label });
    }));
    parts.push(field("preferred_time", "When should we call?", when));
    var message = el("textarea", { name: "message", rows: "3", maxlength: "1000" });
    message.value = q || "";
    parts.push(field("message", "What would you like to ask?", message));
    var consent = el("input", { type: "checkbox", name: "consent", value: "yes" });
    consent.id = "cc-cb-consent";
    controls.consent = consent;
    errors.consent = el("p", { class: "cc-cb-error", id: "cc-cb-consent-error", hidden: true });
    consent.setAttribute("aria-describedby", "cc-cb-notice cc-cb-consent-error");
    var notice = el("p", { class: "cc-cb-hint", id: "cc-cb-notice", text: o.privacy_notice + " " });
    var policy = o.privacy_url && safeUrl(o.privacy_url);
    if (policy) notice.appendChild(el("a", { href: policy, target: "_blank", rel: "noopener", text: "Privacy policy" }));
    parts.push(el("div", { class: "cc-cb-field cc-cb-consent" }, [notice, errors.consent,
      el("label", { for: "cc-cb-consent" }, [consent, " I agree to the clinic keeping these details to call me back."])]));
    var status = el("p", { class: "cc-cb-error", role: "alert" });
    var send = el("button", { type: "submit", class: "cc-callback", text: "Ask for a call back" });
    var cancel = el("button", { type: "button", class: "cc-restart", text: "Cancel",
      onclick: function () { box.remove(); input.focus(); } });
    parts.push(status, el("p", {}, [send, " ", cancel]));
    var cbForm = el("form", { class: "cc-cb-form", novalidate: true, onsubmit: function (ev) {
      ev.preventDefault();
      send.disabled = true;
      status.textContent = "";
      Object.keys(errors).forEach(function (k) {
        errors[k].hidden = true;
        controls[k].removeAttribute("aria-invalid");
      });
      var body = { conversation_id: state.cid, name: controls.name.value, phone: controls.phone.value,
        email: controls.email.value, preferred_time: when.value, message: message.value,
        consent: consent.checked };
      post("/api/callback", body).then(function (data) {
        box.textContent = "";
        box.appendChild(el("div", { class: "cc-cb-done", role: "status" }, [
          el("p", {}, [el("strong", { text: data.message })]),
          el("p", { text: "Your request number is " + data.request_id + ". If it is urgent, call " + CONFIG.emergencyNumber + "." })
        ]));
      }).catch(function (e) {
        var first = null;
        Object.keys(e.fields || {}).forEach(function (k) {
          if (!errors[k]) return;
          errors[k].textContent = e.fields[k];
          errors[k].hidden = false;
          controls[k].setAttribute("aria-invalid", "true");
          first = first || controls[k];
        });
        status.textContent = first ? "Please check the fields marked." : (e instanceof TypeError ? UNAVAILABLE : e.message);
        if (first) first.focus();
      }).then(function () { send.disabled = false; });
    } }, parts);
    box.appendChild(cbForm);
    controls.name.focus();
  }
  function questionNode(q) {
    return el("div", { class: "cc-msg cc-user" }, [el("span", { class: "cc-sr", text: "You asked: " }), q]);
  }

  /* The panel. */
  var inline = opts.mode === "inline";
  var root = el("div", { class: "cc" + (opts.position === "left" ? " cc-left" : "") });
  var accent = opts.accent || CONFIG.accent || "";
  if (/^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(accent)) {
    root.style.setProperty("--cc-accent", accent);
    root.style.setProperty("--cc-on-accent", onAccent(accent));
  }
  var log = el("div", { class: "cc-log", role: "log", "aria-live": "polite", "aria-label": "Conversation", tabindex: "0" });
  var input = el("input", {
    class: "cc-input", id: "cc-input", name: "message", type: "text", maxlength: "1000",
    autocomplete: "off", required: true
  });
  var form = el("form", {
    class: "cc-form", onsubmit: function (ev) { ev.preventDefault(); ask(input.value); }
  }, [
    el("label", { class: "cc-sr", for: "cc-input", text: "Your question" }),
    input,
    el("button", { class: "cc-send", type: "submit", text: "Send" })
  ]);
  var launcher, panel;
  var head = el("div", { class: "cc-head" }, [
    /^https:\/\//.test(CONFIG.logo || "") ? el("img", { class: "cc-logo", src: CONFIG.logo, alt: "" }) : null,
    el("h2", { class: "cc-title", id: "cc-title", text: opts.title || CONFIG.title }),
    el("button", { type: "button", class: "cc-restart", text: "Call me back",
      onclick: function () { var last = state.items[state.items.length - 1]; callback(last ? last.q : ""); } }),
    el("button", { type: "button", class: "cc-restart", text: "Start over", onclick: restart }),
    inline ? null : el("button", {
      type: "button", class: "cc-close", "aria-label": "Close chat", text: "×", onclick: close
    })
  ]);
  panel = el("section", {
    class: "cc-panel " + (inline ? "cc-inline" : "cc-floating"), id: "cc-panel",
    role: inline ? null : "dialog", "aria-labelledby": "cc-title", hidden: !inline
  }, [head, log, form]);
  panel.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && !inline) close();
  });
  var busy = false, rendered = false, own = null;

  function intro() {
    var chips = el("div", { class: "cc-suggest", role: "group", "aria-label": "Suggested questions" });
    function fill(list) {
      chips.textContent = "";
      list.forEach(function (q) {
        chips.appendChild(el("button", { type: "button", text: q, onclick: function () { ask(q); } }));
      });
    }
    if (state.sugg && state.sugg.length) fill(state.sugg);
    else {
      fetch(BASE + "/api/suggestions").then(function (r) { return r.ok ? r.json() : { questions: [] }; })
        .then(function (d) { state.sugg = d.questions || []; save(); fill(state.sugg); })
        .catch(function () {});
    }
    var notice = el("p", { class: "cc-note cc-privacy", text: CONFIG.privacyNotice + " " });
    var policy = CONFIG.privacyUrl && safeUrl(CONFIG.privacyUrl);
    if (policy) notice.appendChild(el("a", { href: policy, target: "_blank", rel: "noopener", text: "Privacy policy" }));
    return el("div", { class: "cc-msg cc-bot cc-intro" }, [
      el("p", { text: opts.greeting || CONFIG.greeting }),
      el("p", { class: "cc-note", text: CONFIG.disclaimer }),
      notice,
      own = el("p", { class: "cc-own", hidden: !state.cid }, [
        el("button", { type: "button", text: "Download this conversation", onclick: download }), " ",
        el("button", { type: "button", text: "Delete this conversation", onclick: erase })
      ]),
      chips
    ]);
  }
  /* The patient's own records: everything kept of this conversation, or none of it. */
  function conversationUrl() { return BASE + "/api/conversations/" + encodeURIComponent(state.cid); }
  function download() {
    fetch(conversationUrl()).then(function (r) { return r.ok ? r.blob() : Promise.reject(); }).then(function (b) {
      var a = el("a", { href: URL.createObjectURL(b), download: "conversation.json" });
      document.body.appendChild(a);
      a.click();
      a.remove();
    }).catch(function () { alert(UNAVAILABLE); });
  }
  function erase() {
    if (!confirm("Delete this conversation? Everything the clinic kept of it will be erased.")) return;
    fetch(conversationUrl(), { method: "DELETE" }).then(function (r) {
      if (r.status !== 204) throw new Error();
      restart();
      log.firstChild.appendChild(el("p", { class: "cc-note", role: "status", text: "Your conversation has been deleted." }));
    }).catch(function () { alert(UNAVAILABLE); });
  }
  function render() {
    log.setAttribute("aria-live", "off"); // restored messages are not news
    log.textContent = "";
    log.appendChild(intro());
    state.items.forEach(function (item) {
      log.appendChild(questionNode(item.q));
      log.appendChild(replyNode(item, false));
    });
    log.scrollTop = log.scrollHeight;
    rendered = true;
    setTimeout(function () { log.setAttribute("aria-live", "polite"); }, 0);
  }
  function scrollTo(node) {
    log.scrollTo({ top: node.offsetTop - 8, behavior: reduceMotion ? "auto" : "smooth" });
  }
  function ask(text) {
    var q = (text || "").trim();
    if (!q || busy) return;
    busy = true;
    input.value = "";
    var item = { q: q };
    var asked = questionNode(q);
    var typing = el("div", { class: "cc-msg cc-bot cc-typing", text: "Looking through our articles…" });
    log.appendChild(asked);
    log.appendChild(typing);
    log.scrollTop = log.scrollHeight;
    post("/api/chat", { message: q, conversation_id: state.cid })
      .then(function (reply) { state.cid = reply.conversation_id; item.r = reply; own.hidden = false; })
      .catch(function (e) { item.err = e instanceof TypeError ? UNAVAILABLE : e.message; })
      .then(function () {
        typing.remove();
        if (item.r) state.items.push(item);
        save();
        log.appendChild(replyNode(item, true));
        scrollTo(asked);
        busy = false;
      });
  }
  function restart() {
    state = { cid: null, open: state.open, items: [], sugg: state.sugg };
    save();
    render();
    input.focus();
  }
  function open(focus) {
    if (inline) return input.focus();
    if (!rendered) render();
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    root.classList.add("cc-open");
    state.open = true;
    save();
    if (focus !== false) input.focus();
  }
  function close() {
    if (inline) return;
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    root.classList.remove("cc-open");
    state.open = false;
    save();
    launcher.focus();
  }

  function mount() {
    if (inline) {
      var target = document.querySelector(opts.target || "[data-clinic-chat]");
      if (!target) return;
      target.textContent = "";
      root.appendChild(panel);
      target.appendChild(root);
      render();
      return;
    }
    var host = document.createElement("clinic-chat");
    var shadow = host.attachShadow({ mode: "open" });
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      shadow.adoptedStyleSheets = [sheet];
    } catch (e) {
      shadow.appendChild(el("style", { text: CSS }));
    }
    var icon = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    icon.setAttribute("viewBox", "0 0 24 24");
    icon.setAttribute("aria-hidden", "true");
    var path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z");
    icon.appendChild(path);
    launcher = el("button", {
      type: "button", class: "cc-launcher", "aria-expanded": "false", "aria-controls": "cc-panel",
      onclick: function () { return panel.hidden ? open() : close(); }
    }, [icon, "Ask a question"]);
    root.appendChild(launcher);
    root.appendChild(panel);
    shadow.appendChild(root);
    document.body.appendChild(host);
    if (state.open) open(false);
  }

  window.ClinicChat = { open: open, close: close, highlight: highlight, excerpt: excerpt };
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
