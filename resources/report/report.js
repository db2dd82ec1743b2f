// The report's only script (allowed by its hash): the source toggles, starting a page that
// was held back, the blind reveal, and unpacking what a batch report keeps packed (each
// cell's detail with its answer and page, gzip in base64) when the reader opens the cell,
// stopping its page again when the cell is closed.
// The layout and theme switches are radio buttons styled with CSS, and need no script; a
// cell's detail is shown by CSS too (:target).
(function () {
  'use strict';

  var revealed = null; // the sealed values, once revealed: for what is unpacked later

  function decode(text) {
    var bytes = Uint8Array.from(atob(text), function (c) { return c.charCodeAt(0); });
    return new TextDecoder().decode(bytes);
  }

  function fill(root, values) {
    root.querySelectorAll('[data-reveal]').forEach(function (element) {
      var value = values[element.getAttribute('data-reveal')];
      if (typeof value === 'string') {
        element.textContent = value;
        element.classList.remove('sealed');
      }
    });
  }

  function reveal(button) {
    revealed = JSON.parse(decode(button.getAttribute('data-sealed') || 'e30='));
    fill(document, revealed);
    document.documentElement.classList.add('revealed');
    button.disabled = true;
    button.textContent = 'Models revealed';
  }

  function unpack(text) {
    if (typeof DecompressionStream === 'undefined') {
      return Promise.reject(new Error('this browser cannot unpack it (it needs ' +
        'DecompressionStream, which browsers have had since 2023)'));
    }
    var bytes = Uint8Array.from(atob(text), function (c) { return c.charCodeAt(0); });
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Response(stream).text();
  }

  // The source is the frame's own srcdoc without the policy the report put into it.
  function toggleSource(button) {
    var id = button.getAttribute('data-source');
    var frame = document.getElementById(id);
    var out = document.getElementById(id + '-source');
    if (!frame || !out) {
      return;
    }
    if (!out.firstChild) {
      var text = frame.getAttribute('srcdoc') || frame.getAttribute('data-srcdoc') || '';
      var cut = Number(frame.getAttribute('data-cut')) || 0;
      var added = Number(frame.getAttribute('data-added')) || 0;
      out.textContent = text.slice(0, cut) + text.slice(cut + added);
    }
    out.hidden = !out.hidden;
    button.setAttribute('aria-expanded', String(!out.hidden));
    button.textContent = out.hidden ? 'Show source' : 'Hide source';
  }

  // A page that hung in the studio, or a batch cell's page, starts only when the reader
  // asks for it.
  function runPage(button) {
    var frame = document.getElementById(button.getAttribute('data-frame'));
    if (!frame || frame.hasAttribute('srcdoc')) {
      return;
    }
    frame.setAttribute('srcdoc', frame.getAttribute('data-srcdoc') || '');
    button.disabled = true;
    button.textContent = 'Started';
  }

  // A frame without its document is an empty one: the page stops, and can start again.
  function stopPages(root) {
    root.querySelectorAll('iframe[srcdoc][data-srcdoc]').forEach(function (frame) {
      var empty = frame.cloneNode(false);
      empty.removeAttribute('srcdoc');
      frame.replaceWith(empty);
      root.querySelectorAll('button[data-action=run]').forEach(function (button) {
        if (button.getAttribute('data-frame') === frame.id) {
          button.disabled = false;
          button.textContent = 'Run the page';
        }
      });
    });
  }

  var opened = null; // the cell whose detail is shown

  function showDetail() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id ? document.getElementById(id) : null;
    if (target && !target.classList.contains('cell-detail')) {
      target = null;
    }
    if (opened && opened !== target) {
      stopPages(opened);
    }
    opened = target;
    if (!target) {
      return;
    }
    target.querySelectorAll('[data-packed]').forEach(function (body) {
      var text = body.getAttribute('data-packed') || '';
      body.removeAttribute('data-packed');
      unpack(text).then(function (html) {
        // Written by the report's own template (every value escaped; the answer from our
        // own Markdown renderer), as a comparison report holds it inline.
        body.innerHTML = html;
        if (revealed) {
          fill(body, revealed);
        }
        body.setAttribute('data-unpacked', '');
      }, function (error) {
        body.textContent = 'This cell could not be shown: ' + error.message;
      });
    });
  }

  window.addEventListener('hashchange', showDetail);
  showDetail();

  document.addEventListener('click', function (event) {
    var target = event.target;
    if (!(target instanceof Element)) {
      return;
    }
    var button = target.closest('button[data-action]');
    if (!button) {
      return;
    }
    var action = button.getAttribute('data-action');
    if (action === 'reveal') {
      reveal(button);
    } else if (action === 'source') {
      toggleSource(button);
    } else if (action === 'run') {
      runPage(button);
    }
  });
}());
