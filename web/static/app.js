// lawbot web chat: renders the conversation core's replies. Everything a
// resident or the server wrote is shown with textContent, never as HTML.
(function () {
  "use strict";

  var log = document.getElementById("log");
  var form = document.getElementById("ask");
  var input = document.getElementById("text");
  var send = document.getElementById("send");
  var notice = document.getElementById("notice");
  var busy = false;
  var noticeTimer = 0;

  function randomID(bytes) {
    var a = new Uint8Array(bytes);
    window.crypto.getRandomValues(a);
    var s = "";
    for (var i = 0; i < a.length; i++) {
      s += ("0" + a[i].toString(16)).slice(-2);
    }
    return s;
  }

  // The anonymous id of this browser: random, kept in localStorage, never
  // linked to a name or a phone number.
  function residentID() {
    var key = "lawbot.resident";
    var id = null;
    try {
      id = window.localStorage.getItem(key);
    } catch (e) {}
    if (!id || !/^[A-Za-z0-9_-]{16,64}$/.test(id)) {
      id = randomID(16);
      try {
        window.localStorage.setItem(key, id);
      } catch (e) {}
    }
    return id;
  }
  var resident = residentID();

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) {
      e.className = cls;
    }
    if (text) {
      e.textContent = text;
    }
    return e;
  }

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  function showNotice(text) {
    if (!text) {
      return;
    }
    notice.textContent = text;
    notice.hidden = false;
    window.clearTimeout(noticeTimer);
    noticeTimer = window.setTimeout(function () {
      notice.hidden = true;
    }, 3000);
  }

  function addUser(text) {
    var m = el("div", "msg user");
    m.appendChild(el("div", "text", text));
    log.appendChild(m);
    scrollDown();
  }

  function addError(text) {
    var m = el("div", "msg bot error");
    m.appendChild(el("div", "text", text));
    log.appendChild(m);
    scrollDown();
  }

  function addReply(r) {
    var m = el("div", "msg bot");
    m.dataset.id = r.id;
    var a = r.answer;
    if (a) {
      m.classList.add("answer", a.kind);
      if (a.urgent) {
        m.classList.add("urgent");
      }
      if (a.question) {
        var head = el("div", "question", a.question);
        if (a.category) {
          head.appendChild(el("span", "tag", a.category));
        }
        m.appendChild(head);
      }
      m.appendChild(el("div", "text", a.text));
      if (a.articles && a.articles.length) {
        var d = el("details", "articles");
        d.appendChild(el("summary", "", "查看法条原文（" + a.articles.length + " 条）"));
        a.articles.forEach(function (art) {
          var p = el("div", "article");
          p.appendChild(el("strong", "", art.title));
          p.appendChild(el("div", "", art.text));
          d.appendChild(p);
        });
        m.appendChild(d);
      }
    } else {
      m.appendChild(el("div", "text", r.text));
    }
    (r.buttons || []).forEach(function (row) {
      var div = el("div", "buttons");
      row.forEach(function (b) {
        var btn = el("button", b.rating ? "btn rating" : "btn", b.text);
        btn.type = "button";
        btn.addEventListener("click", function () {
          press(m, div, btn, b, r.id);
        });
        div.appendChild(btn);
      });
      m.appendChild(div);
    });
    log.appendChild(m);
  }

  function press(msg, row, btn, b, ref) {
    if (busy) {
      return;
    }
    if (b.rating) {
      // One rating per answer: the server counts only the first anyway.
      row.querySelectorAll("button").forEach(function (x) {
        x.disabled = true;
      });
      btn.classList.add("chosen");
    } else {
      addUser(b.text);
    }
    post({ action: b.action, ref: ref });
  }

  function setBusy(on) {
    busy = on;
    send.disabled = on;
    var t = document.getElementById("typing");
    if (on && !t) {
      t = el("div", "msg bot typing");
      t.id = "typing";
      t.appendChild(el("span", "dot"));
      t.appendChild(el("span", "dot"));
      t.appendChild(el("span", "dot"));
      t.setAttribute("aria-label", "正在查找");
      log.appendChild(t);
      scrollDown();
    } else if (!on && t) {
      t.remove();
    }
  }

  function post(body, quiet) {
    body.resident = resident;
    body.id = randomID(12);
    setBusy(true);
    var attempt = 0;
    function go() {
      attempt++;
      return fetch("/api/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
        credentials: "same-origin",
        cache: "no-store"
      }).then(function (resp) {
        return resp.json().catch(function () {
          return { error: "服务暂时不可用，请稍后再试。" };
        });
      }, function (err) {
        // A retry keeps the message id, so it is counted once.
        if (attempt < 3) {
          return new Promise(function (ok) {
            window.setTimeout(ok, 500 * attempt);
          }).then(go);
        }
        throw err;
      });
    }
    return go().then(function (data) {
      setBusy(false);
      if (data.error) {
        addError(data.error);
      }
      (data.replies || []).forEach(addReply);
      showNotice(data.notice);
      scrollDown();
    }).catch(function () {
      setBusy(false);
      if (!quiet) {
        addError("网络连接失败，请检查网络后再试。紧急情况请拨打 12348 或 110。");
      }
    });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = input.value.trim();
    if (!text || busy) {
      return;
    }
    addUser(text);
    input.value = "";
    autosize();
    post({ text: text });
  });

  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      form.requestSubmit();
    }
  });

  function autosize() {
    input.rows = Math.min(5, Math.max(1, input.value.split("\n").length));
  }
  input.addEventListener("input", autosize);

  document.body.classList.add("ready");
  post({ text: "/start" }, true);
})();
